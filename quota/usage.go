package quota

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// Usage is one account's state: what is used and reserved against which limit.
type Usage struct {
	AccountID   string     `json:"-"`
	Kind        string     `json:"kind"`
	StructureID string     `json:"structure_id,omitempty"`
	SpaceID     *uuid.UUID `json:"space_id,omitempty"`
	Limit       *int64     `json:"limit_bytes"`
	Used        int64      `json:"used_bytes"`
	Reserved    int64      `json:"reserved_bytes"`
}

// Percent is how full the account is, 0 when it has no limit.
func (u Usage) Percent() float64 {
	if u.Limit == nil || *u.Limit == 0 {
		if u.Limit != nil && u.Used+u.Reserved > 0 {
			return 100
		}
		return 0
	}
	return float64(u.Used+u.Reserved) * 100 / float64(*u.Limit)
}

// Warning is the threshold the account has crossed: 80, 90 or 100 (%), or 0.
func (u Usage) Warning() int {
	p := u.Percent()
	switch {
	case p >= 100:
		return 100
	case p >= 90:
		return 90
	case p >= 80:
		return 80
	}
	return 0
}

// Available is what can still be written, or -1 without a limit.
func (u Usage) Available() int64 {
	if u.Limit == nil {
		return -1
	}
	return max(*u.Limit-u.Used-u.Reserved, 0)
}

const usageColumns = `id, kind, coalesce(structure_id, ''), space_id, limit_bytes, used_bytes, reserved_bytes`

func scanUsage(row pgx.CollectableRow) (Usage, error) {
	var u Usage
	err := row.Scan(&u.AccountID, &u.Kind, &u.StructureID, &u.SpaceID, &u.Limit, &u.Used, &u.Reserved)
	return u, err
}

// SpaceUsage is a space's account with the account of the structure it is charged to.
type SpaceUsage struct {
	Space     Usage
	Structure *Usage
}

// ForSpaces returns the accounts of the spaces (creating the missing ones with their
// default limits), each with its structure's.
func ForSpaces(ctx context.Context, q db.DBTX, spaceIDs []uuid.UUID) (map[uuid.UUID]SpaceUsage, error) {
	if _, err := q.Exec(ctx, `SELECT quota_accounts_of(id) FROM unnest($1::uuid[]) AS id`, spaceIDs); err != nil {
		return nil, fmt.Errorf("open quota accounts: %w", err)
	}
	rows, err := q.Query(ctx, `
		SELECT `+usageColumns+` FROM quota_accounts WHERE space_id = ANY($1)
		UNION ALL
		SELECT `+usageColumns+` FROM quota_accounts WHERE kind = 'structure' AND structure_id IN
			(SELECT structure_id FROM spaces WHERE id = ANY($1))`, spaceIDs)
	if err != nil {
		return nil, fmt.Errorf("read quota accounts: %w", err)
	}
	accounts, err := pgx.CollectRows(rows, scanUsage)
	if err != nil {
		return nil, fmt.Errorf("scan quota accounts: %w", err)
	}
	structures := map[string]*Usage{}
	for i := range accounts {
		if accounts[i].Kind == "structure" {
			structures[accounts[i].StructureID] = &accounts[i]
		}
	}
	out := make(map[uuid.UUID]SpaceUsage, len(spaceIDs))
	for _, a := range accounts {
		if a.SpaceID != nil {
			out[*a.SpaceID] = SpaceUsage{Space: a, Structure: structures[a.StructureID]}
		}
	}
	return out, nil
}
