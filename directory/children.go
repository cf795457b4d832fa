package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// A parent's children are stored apart from the user (user_children), written after
// every user of a batch: a bundle may list a parent before their child.

// replaceChildren makes the users' children exactly the listed ones, after checking
// that each child is a known Student, and drops the links to any user of the batch
// who is no longer a Student (a link to a teacher would give a parent a view on
// nothing they should have).
func replaceChildren(ctx context.Context, tx pgx.Tx, userIDs []string, us []User) error {
	var parents, children []string
	for _, u := range us {
		for _, child := range u.Children {
			parents, children = append(parents, u.ID), append(children, child)
		}
	}
	if err := checkChildren(ctx, tx, us, children); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		DELETE FROM user_children r
		WHERE (r.relative_id = ANY($1::text[])
		       AND NOT EXISTS (SELECT FROM unnest($2::text[], $3::text[]) AS t(p, c) WHERE t.p = r.relative_id AND t.c = r.child_id))
		   OR (r.child_id = ANY($1::text[]) AND EXISTS (SELECT FROM users WHERE id = r.child_id AND profile <> 'Student'))`,
		userIDs, nonNil(parents), nonNil(children))
	if err != nil {
		return fmt.Errorf("remove children of %d users: %w", len(userIDs), err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO user_children (relative_id, child_id)
		SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
		nonNil(parents), nonNil(children))
	if err != nil {
		return fmt.Errorf("link children of %d users: %w", len(userIDs), err)
	}
	return nil
}

// checkChildren names the first parent whose child is unknown or not a Student.
func checkChildren(ctx context.Context, tx pgx.Tx, us []User, children []string) error {
	if len(children) == 0 {
		return nil
	}
	missing, err := firstMissing(ctx, tx, missingUserSQL, children)
	if err != nil {
		return err
	}
	if missing != "" {
		parent := parentOf(us, missing)
		return invalid("children", "user %s: child %s is not a known user", parent, missing).With("missing", missing)
	}
	var child, profile string
	err = tx.QueryRow(ctx, `SELECT u.id, u.profile FROM unnest($1::text[]) AS i JOIN users u ON u.id = i
		WHERE u.profile <> 'Student' LIMIT 1`, children).Scan(&child, &profile)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("check children: %w", err)
	}
	return invalid("children", "user %s: child %s is a %s, not a Student", parentOf(us, child), child, profile).With("child", child)
}

// parentOf is the first user of us listing child among their children.
func parentOf(us []User, child string) string {
	for _, u := range us {
		for _, c := range u.Children {
			if c == child {
				return u.ID
			}
		}
	}
	return ""
}

// childrenOf reads a parent's children's ids, in order.
func childrenOf(ctx context.Context, q db.DBTX, parentID string) ([]string, error) {
	var ids []string
	err := q.QueryRow(ctx, `SELECT ARRAY(SELECT child_id FROM user_children WHERE relative_id = $1 ORDER BY child_id)`, parentID).Scan(&ids)
	if err != nil {
		return nil, fmt.Errorf("read children of %s: %w", parentID, err)
	}
	return ids, nil
}
