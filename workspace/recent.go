package workspace

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// What brought a file to the caller's recent list.
const (
	Opened  = "opened"  // its bytes were read: a download, an office editor, a WebDAV GET
	Changed = "changed" // the caller made it or a new version of it
)

const (
	// recentKeep is how many recent files are kept per user: the oldest beyond it
	// are dropped as new ones come.
	recentKeep = 200
	// reopenQuiet is how long a new open of a file already recorded writes
	// nothing: a video read by Range requests, chunk after chunk, or a page that
	// downloads a file twice records one open.
	reopenQuiet = time.Minute
	// maxQuietKeys bounds the memory of the per-node quiet period.
	maxQuietKeys = 50_000
)

// RecentItem is a file the caller opened or changed lately.
type RecentItem struct {
	Item   Item
	Action string // Opened or Changed; empty for a favourite
	At     time.Time
	// SpaceName says where the item is, for people: the space's name, or for
	// someone else's personal space, its owner's name.
	SpaceName string
}

// noteOpen records that the caller read a file's bytes. A link's visitor is no
// user and has no recent list. Recording never fails the read: a failure is logged.
func (s *Service) noteOpen(ctx context.Context, c *cartable.Caller, id uuid.UUID) {
	if c == nil || c.LinkID != "" || !s.quiet.due(c.UserID, id, s.now()) {
		return
	}
	s.record(ctx, c.UserID, id, Opened)
}

// NoteChange records that the caller made a file or a new version of it, after the
// write committed (package upload calls it for resumable uploads); a failure is
// logged, never returned: the file is stored whatever happens here.
func (s *Service) NoteChange(ctx context.Context, c *cartable.Caller, id uuid.UUID) {
	if c == nil || c.LinkID != "" {
		return
	}
	s.quiet.mark(c.UserID, id, s.now())
	s.record(ctx, c.UserID, id, Changed)
}

// record upserts the (user, item) row: one row per pair, whatever the traffic. A
// change always writes; an open writes only past the quiet period since the last
// record (checked again here for the opens other nodes served). A new row trims the
// user's list to recentKeep.
func (s *Service) record(ctx context.Context, userID string, id uuid.UUID, action string) {
	ctx = context.WithoutCancel(ctx)
	var inserted bool
	err := s.db.QueryRow(ctx, `
		INSERT INTO recent_items (user_id, item_id, action)
		SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)
		ON CONFLICT (user_id, item_id) DO UPDATE SET action = excluded.action, at = excluded.at
		WHERE excluded.action = 'changed' OR recent_items.at < excluded.at - make_interval(secs => $4)
		RETURNING xmax = 0`, userID, id, action, reopenQuiet.Seconds()).Scan(&inserted)
	if errors.Is(err, pgx.ErrNoRows) {
		return // within the quiet period, or a caller the directory does not know
	}
	if err == nil && inserted {
		err = trimRecent(ctx, s.db, userID)
	}
	if err != nil {
		s.log.WarnContext(ctx, "record a recent file", "user", userID, "item", id, "action", action, "err", err)
	}
}

// trimRecent drops a user's recent files beyond the recentKeep latest.
func trimRecent(ctx context.Context, q db.DBTX, userID string) error {
	_, err := q.Exec(ctx, `
		DELETE FROM recent_items WHERE user_id = $1 AND (at, item_id) <= (
			SELECT at, item_id FROM recent_items WHERE user_id = $1
			ORDER BY at DESC, item_id DESC OFFSET $2 LIMIT 1)`, userID, recentKeep)
	if err != nil {
		return fmt.Errorf("trim the recent files of %s: %w", userID, err)
	}
	return nil
}

// Recent lists a page of the files the caller opened or changed lately, newest
// first, across spaces: only those they may still read now (not trashed, still
// shared with them, still in a class they belong to).
func (s *Service) Recent(ctx context.Context, c *cartable.Caller, req cartable.PageRequest) (cartable.Page[RecentItem], error) {
	page, err := s.readablePage(ctx, c, "recent", `
		SELECT `+itemColumns+`, r.action, r.at, `+ownerNameSQL+` FROM recent_items r
		JOIN items i ON i.id = r.item_id JOIN spaces s ON s.id = i.space_id
		WHERE r.user_id = $1 AND i.trashed_at IS NULL AND i.kind = 'file'
		  AND (NOT $2 OR (r.at, r.item_id) < ($3, $4))
		ORDER BY r.at DESC, r.item_id DESC LIMIT $5`, req)
	if err != nil {
		return cartable.Page[RecentItem]{}, fmt.Errorf("list recent files: %w", err)
	}
	return page, nil
}

// quietPeriod remembers, on this node, when each (user, item) open was last
// recorded, so that the chunks of one read cost no database write at all.
type quietPeriod struct {
	mu   sync.Mutex
	last map[quietKey]time.Time
}

type quietKey struct {
	user string
	item uuid.UUID
}

// due reports whether an open at now should be recorded, and if so marks it.
func (q *quietPeriod) due(user string, item uuid.UUID, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := quietKey{user, item}
	if at, ok := q.last[k]; ok && now.Sub(at) < reopenQuiet {
		return false
	}
	q.put(k, now)
	return true
}

// mark starts the quiet period of a pair at now (a change was just recorded).
func (q *quietPeriod) mark(user string, item uuid.UUID, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.put(quietKey{user, item}, now)
}

// put records k at now; a full map first forgets what is past its quiet period,
// and everything if that is not enough (the database checks the period too).
func (q *quietPeriod) put(k quietKey, now time.Time) {
	if q.last == nil {
		q.last = make(map[quietKey]time.Time)
	}
	if len(q.last) >= maxQuietKeys {
		for old, at := range q.last {
			if now.Sub(at) >= reopenQuiet {
				delete(q.last, old)
			}
		}
		if len(q.last) >= maxQuietKeys {
			clear(q.last)
		}
	}
	q.last[k] = now
}
