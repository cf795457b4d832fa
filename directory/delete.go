package directory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// DeleteStructure removes a structure; the schema cascades to its groups and
// attachments. Users whose primary structure it was fall back to another of their
// structures, in the same transaction. Deleting what is not there is not an error.
func DeleteStructure(ctx context.Context, q db.DBTX, id string) error {
	return db.Transact(ctx, q, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			UPDATE users u SET updated_at = now(), primary_structure_id =
				(SELECT min(structure_id) FROM user_structures WHERE user_id = u.id AND structure_id <> $1)
			WHERE primary_structure_id = $1`, id)
		if err != nil {
			return fmt.Errorf("move primary structures off %s: %w", id, err)
		}
		return deleteRow(ctx, tx, `DELETE FROM structures WHERE id = $1`, id)
	})
}

// DeleteUser removes a user; the schema cascades to their attachments, group
// memberships and personal space. Deleting what is not there is not an error.
func DeleteUser(ctx context.Context, q db.DBTX, id string) error {
	return deleteRow(ctx, q, `DELETE FROM users WHERE id = $1`, id)
}

// DeleteGroup removes a group; the schema cascades to its memberships and group
// space. Deleting what is not there is not an error.
func DeleteGroup(ctx context.Context, q db.DBTX, id string) error {
	return deleteRow(ctx, q, `DELETE FROM groups WHERE id = $1`, id)
}

func deleteRow(ctx context.Context, q db.DBTX, sql, id string) error {
	if _, err := q.Exec(ctx, sql, id); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	return nil
}
