// Package leaver is what happens to a user who leaves the ENT: deprovisioned, they
// are marked as having left, kept for a grace period, then purged by a job under the
// rule the README states ("Leavers").
//
// # Configuration
//
// The grace period is CARTABLE_LEAVER_RETENTION (2160h, 90 days: the ENT regulation
// asks for deletion within three months of leaving).
//
// # Implementation
//
// Leaving sets users.left_at and purge_after; the row and everything it owns stay,
// so that re-provisioning the same id (a pupil changing school within the region)
// brings the user back intact, and the GDPR export still finds them. Meanwhile
// directory.LoadCaller does not find them (every token, app password, WOPI token and
// signed URL answers 401) and their links stop (sharing.OpenLink). The purge runs
// one transaction per user, under a lock on the user's row: two purges of the same
// user, concurrent or repeated, do the work once.
//
// # Considerations
//
// What a class relied on is never deleted with the leaver: a pupil's contributions
// to class spaces and the work their teacher received stay, anonymised; a teacher's
// shared materials go to a colleague (Transfer) or, at the purge, to the class they
// were shared with. The audit log keeps its entries about the leaver until its own
// retention deletes them: it is the legal record of who did what.
package leaver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/quota"
	"cartable/workspace"
)

// DefaultRetention is the grace period between leaving and the purge: 90 days.
const DefaultRetention = 2160 * time.Hour

// Service runs the leavers' lifecycle.
type Service struct {
	db        *pgxpool.Pool
	workspace *workspace.Service
	retention time.Duration
	log       *slog.Logger
	now       func() time.Time
}

// New returns the service; a zero retention is DefaultRetention.
func New(pool *pgxpool.Pool, ws *workspace.Service, retention time.Duration, log *slog.Logger) *Service {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &Service{db: pool, workspace: ws, retention: retention, log: log, now: time.Now}
}

// Retention is the grace period.
func (s *Service) Retention() time.Duration { return s.retention }

// Leaver is a user who left and is not purged yet, as admins see them.
type Leaver struct {
	ID          string           `json:"id"`
	DisplayName string           `json:"display_name"`
	Profile     cartable.Profile `json:"profile"`
	LeftAt      time.Time        `json:"left_at"`
	PurgeAfter  time.Time        `json:"purge_after"`
	// SharedItems counts the items of their personal space shared with someone:
	// what a transfer would hand to a colleague.
	SharedItems int `json:"shared_items"`
	// PersonalBytes is what their personal space holds.
	PersonalBytes int64 `json:"personal_bytes"`
}

// Depart marks a user as having left the ENT, from now until now + the retention.
// Leaving again changes nothing (the first date stands); an unknown user is not an
// error, as deleting what is not there was not.
func (s *Service) Depart(ctx context.Context, userID string) error {
	now := s.now()
	_, err := s.db.Exec(ctx, `UPDATE users SET left_at = $2, purge_after = $3, updated_at = now()
		WHERE id = $1 AND left_at IS NULL`, userID, now, now.Add(s.retention))
	if err != nil {
		return fmt.Errorf("mark %s as having left: %w", userID, err)
	}
	return nil
}

// List returns the leavers attached to a structure, the first to be purged first.
func (s *Service) List(ctx context.Context, a quota.Admin, structureID string) ([]Leaver, error) {
	if err := a.Manages(structureID); err != nil {
		return nil, err
	}
	var exists bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM structures WHERE id = $1)`, structureID).Scan(&exists); err != nil {
		return nil, fmt.Errorf("find structure %s: %w", structureID, err)
	}
	if !exists {
		return nil, cartable.Errorf(cartable.ENotFound, "no structure %q", structureID)
	}
	rows, err := s.db.Query(ctx, `
		SELECT u.id, u.display_name, u.profile, u.left_at, u.purge_after,
			(SELECT count(*) FROM items i JOIN spaces sp ON sp.id = i.space_id
			 WHERE sp.owner_id = u.id AND i.trashed_at IS NULL AND EXISTS (SELECT 1 FROM grants g WHERE g.item_id = i.id))::int,
			coalesce((SELECT a.used_bytes FROM quota_accounts a JOIN spaces sp ON sp.id = a.space_id WHERE sp.owner_id = u.id), 0)
		FROM users u JOIN user_structures us ON us.user_id = u.id
		WHERE us.structure_id = $1 AND u.left_at IS NOT NULL
		ORDER BY u.purge_after, u.id`, structureID)
	if err != nil {
		return nil, fmt.Errorf("list leavers of %s: %w", structureID, err)
	}
	leavers, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Leaver])
	if err != nil {
		return nil, fmt.Errorf("scan leavers of %s: %w", structureID, err)
	}
	return leavers, nil
}

// leaverRow is what the purge and the transfer read of a leaver, under its lock.
type leaverRow struct {
	ID, DisplayName string
	Profile         cartable.Profile
}

// lockLeaver locks a leaver's row for the transaction. Not found: purged already,
// back (re-provisioned), or never there.
func lockLeaver(ctx context.Context, tx pgx.Tx, userID string) (leaverRow, bool, error) {
	l := leaverRow{ID: userID}
	err := tx.QueryRow(ctx, `SELECT display_name, profile FROM users WHERE id = $1 AND left_at IS NOT NULL FOR UPDATE`,
		userID).Scan(&l.DisplayName, &l.Profile)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("lock leaver %s: %w", userID, err)
	}
	return l, true, nil
}

// managesLeaver checks that the admin may act on the user: the region on anyone,
// a local admin on the users of their structures. Anyone else learns nothing.
func managesLeaver(ctx context.Context, q pgx.Tx, a quota.Admin, userID string) error {
	var found bool
	err := q.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND $2)
		    OR EXISTS (SELECT 1 FROM user_structures WHERE user_id = $1 AND structure_id = ANY($3))`,
		userID, a.Region, a.Administered()).Scan(&found)
	if err != nil {
		return fmt.Errorf("find user %s: %w", userID, err)
	}
	if !found {
		return cartable.Errorf(cartable.ENotFound, "no user %q", userID)
	}
	return nil
}

// errNotLeaver refuses to purge or transfer the materials of someone still there.
func errNotLeaver(userID string) error {
	e := cartable.Errorf(cartable.EConflict, "user %s has not left the ENT: deprovision them first", userID)
	e.MessageFR = "Cette personne n'a pas quitté l'ENT : retirez-la d'abord de l'annuaire."
	e.MessageEN = "This person has not left the ENT: deprovision them first."
	return e
}
