package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
)

// Dead properties: what a WebDAV client stores on an item with PROPPATCH (a
// comment, Windows' file attributes, a client's own tag) and reads back. The
// workspace keeps them as given, at most MaxProperties per item; reading them needs
// the view right, changing them the right to change the item and its lock.

// Limits of dead properties.
const (
	MaxProperties     = 100
	MaxPropertyBytes  = 64 << 10
	maxPropertyNameLn = 1024
)

// Property is one dead property: its XML namespace and name, and its value as XML.
type Property struct {
	Namespace string
	Name      string
	Value     string
}

// PropertyChange sets a property, or removes it (Remove; Value is ignored).
type PropertyChange struct {
	Property
	Remove bool
}

// Properties returns the dead properties of an item the caller may view.
func (s *Service) Properties(ctx context.Context, c *cartable.Caller, id uuid.UUID) ([]Property, error) {
	if _, err := access(ctx, s.db, c, id, cartable.Viewer, noLock); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT namespace, name, value FROM item_properties WHERE item_id = $1 ORDER BY namespace, name`, id)
	if err != nil {
		return nil, fmt.Errorf("read the properties of %s: %w", id, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Property])
}

// ChildProperties returns the dead properties of the live children of a folder
// the caller may view, by item, in one query for a listing of any length.
func (s *Service) ChildProperties(ctx context.Context, c *cartable.Caller, folderID uuid.UUID) (map[uuid.UUID][]Property, error) {
	if _, err := access(ctx, s.db, c, folderID, cartable.Viewer, noLock); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `
		SELECT p.item_id, p.namespace, p.name, p.value FROM item_properties p JOIN items i ON i.id = p.item_id
		WHERE i.parent_id = $1 AND i.trashed_at IS NULL`, folderID)
	if err != nil {
		return nil, fmt.Errorf("read the properties below %s: %w", folderID, err)
	}
	out := map[uuid.UUID][]Property{}
	var id uuid.UUID
	var p Property
	_, err = pgx.ForEachRow(rows, []any{&id, &p.Namespace, &p.Name, &p.Value}, func() error {
		out[id] = append(out[id], p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the properties below %s: %w", folderID, err)
	}
	return out, nil
}

// PatchProperties applies the changes in order, all or none, for a caller who may
// change the item and presents its lock if it has one. A change of properties is a
// change of the item: its ETag changes.
func (s *Service) PatchProperties(ctx context.Context, c *cartable.Caller, id uuid.UUID, changes []PropertyChange, opts WriteOptions) error {
	for _, ch := range changes {
		if ch.Name == "" || len(ch.Name) > maxPropertyNameLn || len(ch.Namespace) > maxPropertyNameLn {
			return cartable.Errorf(cartable.EInvalid, "a property's name has 1 to %d bytes", maxPropertyNameLn)
		}
		if len(ch.Value) > MaxPropertyBytes {
			return cartable.Errorf(cartable.ETooLarge, "a property's value has at most %d bytes", MaxPropertyBytes)
		}
	}
	return s.transact(ctx, func(tx pgx.Tx) error {
		it, err := changeable(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if err := it.checkETag(opts.IfMatch); err != nil {
			return err
		}
		if err := unlocked(ctx, tx, c, it, opts.Lock); err != nil {
			return err
		}
		if err := applyProperties(ctx, tx, id, changes); err != nil {
			return err
		}
		return touch(ctx, tx, id, c.UserID)
	})
}

func applyProperties(ctx context.Context, tx pgx.Tx, id uuid.UUID, changes []PropertyChange) error {
	for _, ch := range changes {
		var err error
		if ch.Remove {
			_, err = tx.Exec(ctx, `DELETE FROM item_properties WHERE item_id = $1 AND namespace = $2 AND name = $3`, id, ch.Namespace, ch.Name)
		} else {
			_, err = tx.Exec(ctx, `
				INSERT INTO item_properties (item_id, namespace, name, value) VALUES ($1, $2, $3, $4)
				ON CONFLICT (item_id, namespace, name) DO UPDATE SET value = excluded.value`, id, ch.Namespace, ch.Name, ch.Value)
		}
		if err != nil {
			return fmt.Errorf("set property %s of %s: %w", ch.Name, id, err)
		}
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM item_properties WHERE item_id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("count the properties of %s: %w", id, err)
	}
	if n > MaxProperties {
		return cartable.Errorf(cartable.ETooLarge, "an item has at most %d properties", MaxProperties)
	}
	return nil
}
