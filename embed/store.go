package embed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/sharing"
)

const embedColumns = `e.id, e.item_id, e.version_id, e.mime_type, e.created_by, e.created_at`

func scanEmbed(row pgx.Row) (Embed, error) {
	var e Embed
	err := row.Scan(&e.ID, &e.ItemID, &e.VersionID, &e.MimeType, &e.CreatedBy, &e.CreatedAt)
	return e, err
}

// insert stores a new embed under its token's hash and returns it as written.
func insert(ctx context.Context, q db.DBTX, e Embed, hash []byte) (Embed, error) {
	out, err := scanEmbed(q.QueryRow(ctx, `
		INSERT INTO embeds AS e (id, item_id, version_id, token_hash, mime_type, created_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+embedColumns,
		e.ID, e.ItemID, e.VersionID, hash, e.MimeType, e.CreatedBy))
	if err != nil {
		return Embed{}, fmt.Errorf("insert embed of %s: %w", e.ItemID, err)
	}
	return out, nil
}

// createdKey is where a page of a file's embeds ended.
type createdKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// ofItem reads a page of a file's embeds, oldest first.
func ofItem(ctx context.Context, q db.DBTX, itemID uuid.UUID, req cartable.PageRequest) (cartable.Page[Embed], error) {
	var after createdKey
	size, resumed, err := req.Keyset("embeds", &after)
	if err != nil {
		return cartable.Page[Embed]{}, err
	}
	rows, _ := q.Query(ctx, `SELECT `+embedColumns+` FROM embeds e WHERE e.item_id = $1
		AND (NOT $2 OR (e.created_at, e.id) > ($3, $4)) ORDER BY e.created_at, e.id LIMIT $5`,
		itemID, resumed, after.At, after.ID, size+1)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Embed, error) { return scanEmbed(row) })
	if err != nil {
		return cartable.Page[Embed]{}, fmt.Errorf("list embeds of %s: %w", itemID, err)
	}
	return cartable.CutPage(list, size, func(last Embed) string {
		return cartable.EncodeCursor("embeds", createdKey{At: last.CreatedAt, ID: last.ID})
	}), nil
}

// one reads an embed of a file by its id.
func one(ctx context.Context, q db.DBTX, itemID, id uuid.UUID) (Embed, error) {
	e, err := scanEmbed(q.QueryRow(ctx, `SELECT `+embedColumns+` FROM embeds e WHERE e.id = $1 AND e.item_id = $2`, id, itemID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Embed{}, cartable.Errorf(cartable.ENotFound, "no embed %s on item %s", id, itemID)
	}
	if err != nil {
		return Embed{}, fmt.Errorf("find embed %s: %w", id, err)
	}
	return e, nil
}

// remove deletes an embed: its URL is a 404 from now on.
func remove(ctx context.Context, q db.DBTX, id uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM embeds WHERE id = $1`, id); err != nil {
		return fmt.Errorf("revoke embed %s: %w", id, err)
	}
	return nil
}

// byToken finds the embed of a token.
func byToken(ctx context.Context, q db.DBTX, token string) (Embed, error) {
	gone := cartable.Errorf(cartable.ENotFound, "this embed does not exist or was removed")
	if !wellFormed(token) {
		return Embed{}, gone
	}
	e, err := scanEmbed(q.QueryRow(ctx, `SELECT `+embedColumns+` FROM embeds e WHERE e.token_hash = $1`, sharing.TokenHash(token)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Embed{}, gone
	}
	if err != nil {
		return Embed{}, fmt.Errorf("open embed: %w", err)
	}
	return e, nil
}
