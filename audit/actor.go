package audit

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// OfActor returns the newest entries where the user is the actor, at most limit:
// what a person's GDPR export tells of what they did. Older entries than the
// retention are gone already (the retention job), so the log's own window bounds it.
func OfActor(ctx context.Context, q db.DBTX, actor string, limit int) ([]Entry, error) {
	rows, err := q.Query(ctx, `SELECT `+entryColumns+` FROM audit_log WHERE actor = $1 ORDER BY at DESC, id DESC LIMIT $2`, actor, limit)
	if err != nil {
		return nil, fmt.Errorf("read the audit entries of %s: %w", actor, err)
	}
	list, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("read the audit entries of %s: %w", actor, err)
	}
	return list, nil
}
