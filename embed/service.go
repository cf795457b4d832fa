package embed

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/db"
	"cartable/directory"
	"cartable/events"
	"cartable/preview"
	"cartable/sharing"
	"cartable/workspace"
)

// Event kinds of the portal's feed.
const (
	EventCreated = "embed_created"
	EventRevoked = "embed_revoked"
)

// Service makes, lists, revokes and serves embeds, over the workspace's use cases
// and its access decision.
type Service struct {
	db *pgxpool.Pool
	ws *workspace.Service
}

// New makes the service.
func New(pool *pgxpool.Pool, ws *workspace.Service) *Service {
	return &Service{db: pool, ws: ws}
}

// Create publishes the current version of a file c may read and change, and
// returns the embed with its token (given this once).
func (s *Service) Create(ctx context.Context, c *cartable.Caller, itemID uuid.UUID) (Embed, string, error) {
	var made Embed
	token, hash := sharing.NewToken()
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		it, err := workspace.ReadableItem(ctx, tx, c, itemID)
		if err != nil {
			return err
		}
		if err := checkPublish(c, it); err != nil {
			return err
		}
		made, err = insert(ctx, tx, Embed{ID: uuid.Must(uuid.NewV7()), ItemID: it.ID, VersionID: *it.CurrentVersionID,
			MimeType: it.MimeType, CreatedBy: c.UserID}, hash)
		if err != nil {
			return err
		}
		return events.Record(ctx, tx, events.Event{Kind: EventCreated, Actor: c.UserID, ItemID: it.ID, ItemName: it.Name})
	})
	return made, token, err
}

// List reads a page of a file's embeds, oldest first, for who may manage them.
func (s *Service) List(ctx context.Context, c *cartable.Caller, itemID uuid.UUID, req cartable.PageRequest) (cartable.Page[Embed], error) {
	if _, err := s.manageable(ctx, s.db, c, itemID); err != nil {
		return cartable.Page[Embed]{}, err
	}
	return ofItem(ctx, s.db, itemID, req)
}

// Revoke deletes one of a file's embeds, for who may manage them or who made it
// (and still reads the file): its URL is a 404 at once.
func (s *Service) Revoke(ctx context.Context, c *cartable.Caller, itemID, embedID uuid.UUID) error {
	return db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		it, err := workspace.ReadableItem(ctx, tx, c, itemID)
		if err != nil {
			return err
		}
		e, err := one(ctx, tx, itemID, embedID)
		if err != nil {
			return err
		}
		if !mayManage(c, it) && e.CreatedBy != c.UserID {
			return cartable.Errorf(cartable.EForbidden, "only who made an embed, or may publish the file, removes it")
		}
		if err := remove(ctx, tx, e.ID); err != nil {
			return err
		}
		return events.Record(ctx, tx, events.Event{Kind: EventRevoked, Actor: c.UserID, ItemID: it.ID, ItemName: it.Name})
	})
}

// manageable is the file, when c may list its embeds.
func (s *Service) manageable(ctx context.Context, q db.DBTX, c *cartable.Caller, itemID uuid.UUID) (workspace.Item, error) {
	it, err := workspace.ReadableItem(ctx, q, c, itemID)
	if err != nil {
		return workspace.Item{}, err
	}
	if !mayManage(c, it) {
		return workspace.Item{}, cartable.Errorf(cartable.EForbidden, "only teachers and staff who may publish the file, or its managers, see its embeds")
	}
	return it, nil
}

// Content opens the version an embed publishes, for whoever holds its token.
func (s *Service) Content(ctx context.Context, token string) (Embed, workspace.Content, error) {
	e, creator, err := s.open(ctx, token)
	if err != nil {
		return Embed{}, workspace.Content{}, err
	}
	content, err := s.ws.PublishedContent(ctx, creator, e.ItemID, e.VersionID, "embed:"+e.ID.String())
	return e, content, gone(err)
}

// Thumbnail is one size of the thumbnail of the version an embed publishes.
func (s *Service) Thumbnail(ctx context.Context, token, size string, format preview.Format) (Embed, workspace.Thumbnail, error) {
	e, creator, err := s.open(ctx, token)
	if err != nil {
		return Embed{}, workspace.Thumbnail{}, err
	}
	t, err := s.ws.Thumbnail(ctx, creator, e.ItemID, &e.VersionID, size, format)
	return e, t, gone(err)
}

// open finds the embed of a token and loads its creator, on whose behalf it is
// served.
func (s *Service) open(ctx context.Context, token string) (Embed, *cartable.Caller, error) {
	e, err := byToken(ctx, s.db, token)
	if err != nil {
		return Embed{}, nil, err
	}
	creator, err := directory.LoadCaller(ctx, s.db, e.CreatedBy)
	if err != nil {
		return Embed{}, nil, gone(err)
	}
	return e, creator, nil
}

// gone turns every refusal of the creator's access into the embed's plain 404: a
// reader learns nothing of why (trashed, unshared, creator gone).
func gone(err error) error {
	// A quarantined file is gone for a page's readers too, and its signature is
	// none of their business.
	if cartable.IsCode(err, cartable.ENotFound) || cartable.IsCode(err, cartable.EForbidden) || cartable.IsCode(err, cartable.EInfected) {
		return cartable.Errorf(cartable.ENotFound, "this embed does not exist or was removed")
	}
	return err
}
