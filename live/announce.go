package live

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"cartable/db"
)

// batchWindow is how long an announcer gathers the changes that follow a first
// one before it sends them all: at the bell, a process commits a preview stage
// every few milliseconds, and they leave as one NOTIFY instead of one each.
const batchWindow = 20 * time.Millisecond

// maxPayload keeps a NOTIFY's payload under PostgreSQL's 8,000 bytes.
const maxPayload = 7900

// sendTimeout bounds a NOTIFY's sending: a database that does not answer loses
// the announcement (logged), not the announcer.
const sendTimeout = 10 * time.Second

// An Announcer sends the blob changes a process committed together, a few
// milliseconds after their commits, on a connection of its pool.
//
// Why not a NOTIFY in each transaction: PostgreSQL commits the transactions that
// notified one at a time, holding a database-wide lock until each commit is
// durable. bench/notify measured the commits of short write transactions on a
// durable server at 0.28 to 0.52 times the rate when each notified (three runs,
// 8 and 64 connections; BENCHMARKS.md, "What a NOTIFY costs"); batched, at 0.70
// to 1.05 times (the plain rate's own noise). What it costs: a change committed
// while the process dies before its batch leaves is not announced. The watches
// already live with lost announcements (see the package's considerations): the
// client sees it when its stream starts again, within a minute, or by polling.
type Announcer struct {
	db  db.DBTX
	log *slog.Logger

	mu      sync.Mutex
	pending map[uuid.UUID]struct{}
	closed  bool
	wake    chan struct{} // a change is pending
	stop    chan struct{}
	done    chan struct{}
}

// NewAnnouncer starts an announcer sending on db until Close.
func NewAnnouncer(db db.DBTX, log *slog.Logger) *Announcer {
	a := &Announcer{db: db, log: log, pending: map[uuid.UUID]struct{}{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go a.run()
	return a
}

// Announce queues the change of blob, committed already; it never blocks. After
// Close it is sent at once.
func (a *Announcer) Announce(blob uuid.UUID) {
	a.mu.Lock()
	closed := a.closed
	if !closed {
		a.pending[blob] = struct{}{}
	}
	a.mu.Unlock()
	if closed {
		ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		defer cancel()
		a.send(ctx, []string{blob.String()})
		return
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Close sends what is pending and stops the announcer.
func (a *Announcer) Close() {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed = true
	a.mu.Unlock()
	close(a.stop)
	<-a.done
}

func (a *Announcer) run() {
	defer close(a.done)
	for {
		select {
		case <-a.wake:
		case <-a.stop:
			a.flush()
			return
		}
		select { // gather what follows
		case <-time.After(batchWindow):
		case <-a.stop:
		}
		a.flush()
	}
}

// flush sends every pending change, in as few NOTIFYs as their ids fit in.
func (a *Announcer) flush() {
	a.mu.Lock()
	ids := make([]string, 0, len(a.pending))
	for blob := range a.pending {
		ids = append(ids, blob.String())
	}
	clear(a.pending)
	a.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
	defer cancel()
	a.send(ctx, ids)
}

func (a *Announcer) send(ctx context.Context, ids []string) {
	const perPayload = maxPayload / 37 // 36 characters and a comma each
	for len(ids) > 0 {
		n := min(len(ids), perPayload)
		if _, err := a.db.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, strings.Join(ids[:n], ",")); err != nil {
			a.log.Warn("announce blob changes", "blobs", n, "err", err)
		}
		ids = ids[n:]
	}
}

type announcerKey struct{}

// WithAnnouncer returns ctx carrying a: NotifyTx in a transaction of db.Transact
// under it hands the change to a once the transaction commits.
func WithAnnouncer(ctx context.Context, a *Announcer) context.Context {
	return context.WithValue(ctx, announcerKey{}, a)
}

func announcerFrom(ctx context.Context) *Announcer {
	a, _ := ctx.Value(announcerKey{}).(*Announcer)
	return a
}

// parsePayload reads the blobs a NOTIFY names: one id, or several separated by
// commas (an announcer's batch). What is not an id is skipped.
func parsePayload(payload string) []uuid.UUID {
	var out []uuid.UUID
	for _, field := range strings.Split(payload, ",") {
		if blob, err := uuid.Parse(field); err == nil {
			out = append(out, blob)
		}
	}
	return out
}
