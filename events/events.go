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

	"cartable/db"
)

// Event kinds.
const (
	Share   = "share"
	Unshare = "unshare"
	Drop    = "drop"
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

// Record writes an event in the caller's transaction.
func Record(ctx context.Context, tx db.DBTX, e Event) error {
	var kind, id, profile *string
	if r := e.Recipient; r != nil {
		kind, id = &r.Kind, &r.ID
		if r.Profile != "" {
			profile = &r.Profile
		}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO events (kind, actor, item_id, item_name, recipient_kind, recipient_id, recipient_profile, role)
		VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''))`,
		e.Kind, e.Actor, e.ItemID, e.ItemName, kind, id, profile, e.Role)
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

// After returns up to limit events that follow the event id after, oldest first.
func After(ctx context.Context, q db.DBTX, after int64, limit int) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM events WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return pgx.CollectRows(rows, scanEvent)
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

// Deliver sends the events due for delivery, oldest first, one POST each, and
// returns how many were delivered. A refused or failed delivery is retried later,
// with a backoff that doubles up to an hour. Several nodes may run it at once.
func Deliver(ctx context.Context, pool *pgxpool.Pool, hook Webhook) (int, error) {
	if hook.URL == "" {
		return 0, nil
	}
	delivered := 0
	err := db.Transact(ctx, pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events
			WHERE delivered_at IS NULL AND next_attempt_at <= now()
			ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, deliverBatch)
		if err != nil {
			return err
		}
		due, err := pgx.CollectRows(rows, scanEvent)
		if err != nil {
			return err
		}
		for _, e := range due {
			if err := send(ctx, hook, e); err != nil {
				_, err = tx.Exec(ctx, `UPDATE events SET attempts = attempts + 1,
					next_attempt_at = now() + least(interval '1 hour', interval '10 seconds' * power(2, attempts)) WHERE id = $1`, e.ID)
				if err != nil {
					return err
				}
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE events SET delivered_at = now(), attempts = attempts + 1 WHERE id = $1`, e.ID); err != nil {
				return err
			}
			delivered++
		}
		return nil
	})
	return delivered, err
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
		client = &http.Client{Timeout: 10 * time.Second}
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

// PeriodicJobs: delivery every ten seconds.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Second),
			func() (river.JobArgs, *river.InsertOpts) { return DeliverArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
