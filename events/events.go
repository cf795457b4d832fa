// Package events owns the outbox of notifications for the portal: who shared what
// with whom, who unshared it, what was dropped into a drop box. Events are written in
// the transaction of the change they tell, read by the portal as a feed with a cursor,
// and delivered to a webhook with an HMAC signature by a job that retries.
package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"cartable"
	"cartable/db"
)

// Event kinds.
const (
	Share   = "share"
	Unshare = "unshare"
	Drop    = "drop"
	// Assignment events: ItemID is the assignment's id, ItemName its title.
	AssignmentPublished = "assignment_published"
	AssignmentHandedIn  = "assignment_handed_in"
	AssignmentReturned  = "assignment_returned"
)

// Event is one notification.
type Event struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Actor     string     `json:"actor"`
	ItemID    uuid.UUID  `json:"item_id"`
	ItemName  string     `json:"item_name"`
	Recipient *Recipient `json:"recipient,omitempty"`
	Role      string     `json:"role,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// Recipient is whom a share or unshare concerns.
type Recipient struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Profile string `json:"profile,omitempty"`
}

// Record writes an event in the caller's transaction. It takes the feed's lock
// shared, until that transaction ends, before the event takes its id (see Feed).
func Record(ctx context.Context, tx db.DBTX, e Event) error {
	var kind, id, profile *string
	if r := e.Recipient; r != nil {
		kind, id = &r.Kind, &r.ID
		if r.Profile != "" {
			profile = &r.Profile
		}
	}
	_, err := tx.Exec(ctx, `
		WITH feed AS (SELECT pg_advisory_xact_lock_shared($9, 0))
		INSERT INTO events (kind, actor, item_id, item_name, recipient_kind, recipient_id, recipient_profile, role)
		SELECT $1::text, $2::text, $3::uuid, $4::text, $5::text, $6::text, $7::text, nullif($8::text, '') FROM feed`,
		e.Kind, e.Actor, e.ItemID, e.ItemName, kind, id, profile, e.Role, lockClass)
	if err != nil {
		return fmt.Errorf("record %s event: %w", e.Kind, err)
	}
	return nil
}

const eventColumns = `id, kind, actor, item_id, item_name, recipient_kind, recipient_id, coalesce(recipient_profile, ''), coalesce(role, ''), created_at`

func scanEvent(row pgx.CollectableRow) (Event, error) {
	var e Event
	var kind, id *string
	var profile string
	err := row.Scan(&e.ID, &e.Kind, &e.Actor, &e.ItemID, &e.ItemName, &kind, &id, &profile, &e.Role, &e.CreatedAt)
	if kind != nil && id != nil {
		e.Recipient = &Recipient{Kind: *kind, ID: *id, Profile: profile}
	}
	return e, err
}

// lockClass is the first key of the feed's advisory lock (pg_advisory_xact_lock(int,
// int)), apart from the upload locks' class and the single-key locks of goose and river.
const lockClass = 7106

// feedKey is a position in the feed: after the event ID.
type feedKey struct {
	ID int64 `json:"i"`
}

// Feed returns a page of the events that follow the request's cursor (from the first
// event without one), oldest first. A feed has no last page: NextCursor is always
// set, to the position after the last event given, or where the request started
// when nothing followed, so that a reader polls with it and resumes where it stopped.
func Feed(ctx context.Context, q db.DBTX, req cartable.PageRequest) (cartable.Page[Event], error) {
	var after feedKey
	size, _, err := req.Keyset("events", &after)
	if err != nil {
		return cartable.Page[Event]{}, err
	}
	var list []Event
	err = db.Transact(ctx, q, func(tx pgx.Tx) error {
		// An event takes its id when it is written, not when its transaction commits:
		// a reader seeing event 11 while the transaction of event 10 still runs would
		// move its cursor past 10 for good. Every transaction that records an event
		// holds this lock shared until it ends (see Record); taking it exclusive waits
		// for those under way and holds new ones off until this read is done. The
		// read that follows takes its snapshot after the lock (read committed).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, lockClass); err != nil {
			return fmt.Errorf("lock the feed: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events WHERE id > $1 ORDER BY id LIMIT $2`, after.ID, size)
		if err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		list, err = pgx.CollectRows(rows, scanEvent)
		return err
	})
	if err != nil {
		return cartable.Page[Event]{}, err
	}
	if len(list) > 0 {
		after.ID = list[len(list)-1].ID
	}
	return cartable.Page[Event]{Items: list, NextCursor: cartable.EncodeCursor("events", after)}, nil
}

// Webhook is where events are delivered, and the secret that signs them.
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client
}

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body with the secret>".
const SignatureHeader = "Cartable-Signature"

// Sign returns the signature of a body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// deliverBatch bounds how many events one delivery pass sends.
const deliverBatch = 100

// claimLease is how long a pass holds the events it claimed before another pass
// (another node, or the next run after a crash) may send them: longer than a pass
// of deliverBatch POSTs usually takes, short enough that a dead node delays little.
const claimLease = 2 * time.Minute

// Deliver sends the events due for delivery, oldest first, one POST each, and
// returns how many were delivered. A refused or failed delivery is retried later,
// with a backoff that doubles up to an hour. Several nodes may run it at once: a
// pass claims its events in a short transaction (pushing their next attempt past
// claimLease) and sends them with no transaction open, so a slow receiver holds no
// lock or connection.
func Deliver(ctx context.Context, pool *pgxpool.Pool, hook Webhook) (int, error) {
	if hook.URL == "" {
		return 0, nil
	}
	due, err := claimDue(ctx, pool)
	if err != nil {
		return 0, err
	}
	delivered := 0
	for _, e := range due {
		outcome := `delivered_at = now()`
		if err := send(ctx, hook, e); err != nil {
			outcome = `next_attempt_at = now() + least(interval '1 hour', interval '10 seconds' * power(2, attempts))`
		} else {
			delivered++
		}
		if _, err := pool.Exec(ctx, `UPDATE events SET `+outcome+`, attempts = attempts + 1 WHERE id = $1`, e.ID); err != nil {
			return delivered, fmt.Errorf("record the delivery of event %d: %w", e.ID, err)
		}
	}
	return delivered, nil
}

// claimDue takes the events due for delivery away from the other passes for
// claimLease.
func claimDue(ctx context.Context, pool *pgxpool.Pool) ([]Event, error) {
	var due []Event
	err := db.Transact(ctx, pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events
			WHERE delivered_at IS NULL AND next_attempt_at <= now()
			ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, deliverBatch)
		if err != nil {
			return err
		}
		if due, err = pgx.CollectRows(rows, scanEvent); err != nil {
			return err
		}
		ids := make([]int64, len(due))
		for i, e := range due {
			ids[i] = e.ID
		}
		_, err = tx.Exec(ctx, `UPDATE events SET next_attempt_at = now() + $2::interval WHERE id = ANY($1)`, ids, claimLease)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim the events due: %w", err)
	}
	return due, nil
}

// webhookClient is the default client: a receiver that redirects has not received
// the event (following would turn the POST into a GET without a body).
var webhookClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func send(ctx context.Context, hook Webhook, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(hook.Secret, body))
	req.Header.Set("Cartable-Event-Id", fmt.Sprint(e.ID))
	client := hook.Client
	if client == nil {
		client = webhookClient
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		return fmt.Errorf("webhook answered %s", res.Status)
	}
	return nil
}

// DeliverArgs is the periodic job that delivers events to the webhook.
type DeliverArgs struct{}

// Kind names the job in river's queue.
func (DeliverArgs) Kind() string { return "events.deliver" }

// Worker delivers events.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]
	DB   *pgxpool.Pool
	Hook Webhook
	Log  *slog.Logger
}

// Work delivers what is due.
func (w *Worker) Work(ctx context.Context, _ *river.Job[DeliverArgs]) error {
	n, err := Deliver(ctx, w.DB, w.Hook)
	if n > 0 || err != nil {
		w.Log.Info("events delivered", "count", n, "err", err)
	}
	return err
}

// PeriodicJobs: delivery every ten seconds, the retention purge every six hours.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Second),
			func() (river.JobArgs, *river.InsertOpts) { return DeliverArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
