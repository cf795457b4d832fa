package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// Bundle is a directory file: what `cartable import` and POST /api/v1/admin/import
// read, and the format of the demo data.
type Bundle struct {
	Structures []Structure `json:"structures"`
	Users      []User      `json:"users"`
	Groups     []Group     `json:"groups"`
}

// ImportReport counts what an import applied.
type ImportReport struct {
	Structures int `json:"structures"`
	Users      int `json:"users"`
	Groups     int `json:"groups"`
	Members    int `json:"members"`
}

// LoadBundle decodes a directory file strictly: an unknown field is an error, since
// it is most likely a typo that would otherwise be silently dropped.
func LoadBundle(r io.Reader) (Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return Bundle{}, fmt.Errorf("decode directory file: %w", err)
	}
	return b, nil
}

// Import applies a bundle in one transaction, structures first, then users, then
// groups: a bad entry anywhere changes nothing.
func Import(ctx context.Context, q db.DBTX, b Bundle) (ImportReport, error) {
	if err := b.validate(); err != nil {
		return ImportReport{}, err
	}
	var report ImportReport
	err := db.Transact(ctx, q, func(tx pgx.Tx) error {
		report = ImportReport{}
		for _, s := range b.Structures {
			if err := UpsertStructure(ctx, tx, s); err != nil {
				return err
			}
			report.Structures++
		}
		for _, u := range b.Users {
			if err := upsertUser(ctx, tx, u); err != nil {
				return err
			}
			report.Users++
		}
		for _, g := range b.Groups {
			if err := upsertGroup(ctx, tx, g); err != nil {
				return err
			}
			report.Groups++
			report.Members += len(g.Members)
		}
		return nil
	})
	return report, err
}

// validate checks every entry before any is written, so the error names the first
// bad one without a round trip per entry.
func (b *Bundle) validate() error {
	for _, s := range b.Structures {
		if err := s.Validate(); err != nil {
			return err
		}
	}
	for i := range b.Users {
		if err := b.Users[i].Validate(); err != nil {
			return err
		}
	}
	for _, g := range b.Groups {
		if err := g.Validate(); err != nil {
			return err
		}
	}
	return nil
}
