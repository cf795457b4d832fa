package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// Bundle is a directory file: what `cartable import` and POST /api/v1/admin/import
// read, and the format of the demo data (deploy/dev/demo.json). Entries it does not
// list are left as they are: an import adds and updates, it never deletes.
type Bundle struct {
	Structures []Structure `json:"structures"`
	Users      []User      `json:"users"`
	Groups     []Group     `json:"groups"`
}

// ImportReport counts the entries an import applied (created, updated or already
// up to date).
type ImportReport struct {
	Structures int `json:"structures"`
	Users      int `json:"users"`
	Groups     int `json:"groups"`
	Members    int `json:"members"`
	// Children counts the parent-child links listed (users' children).
	Children int `json:"children"`
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
	if dec.More() {
		return Bundle{}, errors.New("decode directory file: data after the bundle")
	}
	return b, nil
}

// Import applies a bundle in one transaction, structures first, then users, then
// groups, so that each may refer to the previous ones: a bad entry anywhere changes
// nothing. Each table takes a constant number of statements, whatever the size of
// the file.
func Import(ctx context.Context, q db.DBTX, b Bundle) (ImportReport, error) {
	if err := b.Validate(); err != nil {
		return ImportReport{}, err
	}
	err := db.Transact(ctx, q, func(tx pgx.Tx) error {
		if err := writeStructures(ctx, tx, b.Structures); err != nil {
			return err
		}
		if err := writeUsers(ctx, tx, b.Users); err != nil {
			return err
		}
		return writeGroups(ctx, tx, b.Groups)
	})
	if err != nil {
		return ImportReport{}, err
	}
	report := ImportReport{Structures: len(b.Structures), Users: len(b.Users), Groups: len(b.Groups)}
	for _, g := range b.Groups {
		report.Members += len(g.Members)
	}
	for _, u := range b.Users {
		report.Children += len(u.Children)
	}
	return report, nil
}
