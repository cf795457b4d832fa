package workspace

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/audit"
	"cartable/sharing"
)

// CreateLink makes a view link or a drop box to an item the caller manages, and
// returns the link with its token (shown this once).
func (s *Service) CreateLink(ctx context.Context, c *cartable.Caller, id uuid.UUID, in sharing.NewLink, policy sharing.LinkPolicy) (sharing.Link, string, error) {
	var link sharing.Link
	var token string
	err := s.transact(ctx, func(tx pgx.Tx) error {
		it, err := access(ctx, tx, c, id, cartable.Manager, noLock)
		if err != nil {
			return err
		}
		if link, token, err = sharing.CreateLink(ctx, tx, c, id, it.IsFolder(), in, policy, s.now()); err != nil {
			return err
		}
		return auditTx(ctx, tx, c, it, audit.LinkCreate, map[string]any{"link_id": link.ID, "kind": link.Kind,
			"expires_at": link.ExpiresAt, "password": link.HasPassword})
	})
	return link, token, err
}

// Links lists a page of an item's links, oldest first, for its managers.
func (s *Service) Links(ctx context.Context, c *cartable.Caller, id uuid.UUID, req cartable.PageRequest) (cartable.Page[sharing.Link], error) {
	if _, err := access(ctx, s.db, c, id, cartable.Manager, noLock); err != nil {
		return cartable.Page[sharing.Link]{}, err
	}
	return sharing.Links(ctx, s.db, id, req)
}

// RevokeLink deletes one of an item's links, for its managers.
func (s *Service) RevokeLink(ctx context.Context, c *cartable.Caller, id, linkID uuid.UUID) error {
	return s.transact(ctx, func(tx pgx.Tx) error {
		it, err := access(ctx, tx, c, id, cartable.Manager, noLock)
		if err != nil {
			return err
		}
		if err := sharing.RevokeLink(ctx, tx, id, linkID); err != nil {
			return err
		}
		return auditTx(ctx, tx, c, it, audit.LinkRevoke, map[string]any{"link_id": linkID})
	})
}

// OpenLink finds the link of a token for a visitor, and the caller that stands for
// them: what they may do is then decided like for anyone, by the link's grant.
func (s *Service) OpenLink(ctx context.Context, token, password string) (sharing.Link, *cartable.Caller, error) {
	return sharing.OpenLink(ctx, s.db, token, password)
}

// LiveLink finds the live link a signed URL was made for, and the caller that stands
// for its visitors (see sharing.LiveLink).
func (s *Service) LiveLink(ctx context.Context, id uuid.UUID) (sharing.Link, *cartable.Caller, error) {
	return sharing.LiveLink(ctx, s.db, id)
}
