package workspace

import (
	"context"

	"github.com/google/uuid"

	"cartable"
	"cartable/audit"
	"cartable/db"
	"cartable/sharing"
)

// auditTx records an action on an item in the audit log, in the transaction of the
// change: the item as the use case loaded it gives its name, space and structure,
// so the write reads nothing.
func auditTx(ctx context.Context, q db.DBTX, c *cartable.Caller, it Item, action string, details map[string]any) error {
	return audit.Record(ctx, q, auditEntry(c, it, action, details))
}

func auditEntry(c *cartable.Caller, it Item, action string, details map[string]any) audit.Entry {
	return audit.Entry{Actor: c.UserID, Action: action, ItemID: it.ID, ItemName: it.Name,
		SpaceID: it.SpaceID, StructureID: it.Space.StructureID, Details: details}
}

// auditGrant records a share, a change of one or an unshare in the item's
// structure and, when the grantee belongs to another one (a teacher of two
// collèges sharing from their personal space with a class of the second), in the
// grantee's too: that structure's admins see who was given access to their people.
// The grantee's structure is known without a read for a structure, and for a group
// the caller belongs to (the caller's memberships are loaded with them); a user of
// another structure, or a group the caller is not in, is logged in the item's only.
func auditGrant(ctx context.Context, q db.DBTX, c *cartable.Caller, it Item, action string, g sharing.Grant) error {
	d := grantDetails(g)
	if err := auditTx(ctx, q, c, it, action, d); err != nil {
		return err
	}
	if other := granteeStructure(c, g); other != "" && other != it.Space.StructureID {
		e := auditEntry(c, it, action, d)
		e.StructureID = other
		return audit.Record(ctx, q, e)
	}
	return nil
}

// granteeStructure is the structure a grantee belongs to, when known without a read.
func granteeStructure(c *cartable.Caller, g sharing.Grant) string {
	switch g.GranteeKind {
	case sharing.ToStructure:
		return g.GranteeID
	case sharing.ToGroup:
		if m, ok := c.Group(g.GranteeID); ok {
			return m.StructureID
		}
	}
	return ""
}

// grantDetails tell whom a share concerns and with which role.
func grantDetails(g sharing.Grant) map[string]any {
	d := map[string]any{"grant_id": g.ID, "grantee_kind": g.GranteeKind, "grantee_id": g.GranteeID, "role": g.Role.String()}
	if g.Profile != "" {
		d["profile"] = string(g.Profile)
	}
	if g.ExpiresAt != nil {
		d["expires_at"] = g.ExpiresAt
	}
	return d
}

// auditDownload records that actor (a user, a link's visitor, an embed) began reading a file's bytes, with the pool
// and after the access decision: a failure is logged, never returned, so that the
// log never fails a download. It is called when the first byte is read, so a HEAD,
// a 304 or the later ranges of one reading are not counted again.
func (s *Service) auditDownload(ctx context.Context, actor string, it Item, versionID uuid.UUID) {
	if actor == "" {
		return
	}
	s.auditRead(ctx, actor, it, map[string]any{"version_id": versionID})
}

// auditRead records a read on its own, never failing it (see auditDownload).
func (s *Service) auditRead(ctx context.Context, actor string, it Item, details map[string]any) {
	e := auditEntry(&cartable.Caller{UserID: actor}, it, audit.Download, details)
	if err := audit.Record(context.WithoutCancel(ctx), s.db, e); err != nil {
		s.log.ErrorContext(ctx, "audit log: download not recorded", "err", err, "item", it.ID, "actor", actor)
	}
}

// auditUpdate records what an update changed: a move (from and to folder, and
// space when it changed; once in each structure when it crossed structures) and a
// rename.
func auditUpdate(ctx context.Context, q db.DBTX, c *cartable.Caller, before, after Item) error {
	if before.ParentID != nil && after.ParentID != nil && *before.ParentID != *after.ParentID {
		d := map[string]any{"from_folder": before.ParentID, "to_folder": after.ParentID}
		if before.SpaceID != after.SpaceID {
			d["from_space"], d["to_space"] = before.SpaceID, after.SpaceID
		}
		if err := auditTx(ctx, q, c, after, audit.Move, d); err != nil {
			return err
		}
		if before.Space.StructureID != after.Space.StructureID {
			if err := auditTx(ctx, q, c, before, audit.Move, d); err != nil {
				return err
			}
		}
	}
	if before.Name != after.Name {
		return auditTx(ctx, q, c, after, audit.Rename, map[string]any{"from_name": before.Name, "to_name": after.Name})
	}
	return nil
}
