package upload

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"cartable/db"
)

// lockClass is the first key of every upload lock (pg_advisory_lock(int, int)), so
// that upload locks never collide with the single-key locks of goose and river.
const lockClass = 7105

// unlockChannel carries, over LISTEN/NOTIFY, the ids of uploads whose lock another
// request is waiting for.
const unlockChannel = "cartable_upload_unlock"

// lockShards is how many connections hold a node's upload locks. One would do for
// correctness; a few keep a burst of PATCHes from queueing on a single connection.
const lockShards = 8

// Locker is tusd's Locker over PostgreSQL session advisory locks, so that an upload
// begun on one node can continue on any other. A node holds its locks on a few
// dedicated connections (an upload always on the same one): if the node dies,
// PostgreSQL ends the sessions and frees the locks. A request waiting for a lock
// asks its holder, wherever it runs, to let go with a NOTIFY; the holder's node hears
// it on another dedicated connection (LISTEN).
type Locker struct {
	connect func(context.Context) (*pgx.Conn, error)
	db      db.DBTX
	log     *slog.Logger
	shards  [lockShards]lockShard
}

// lockShard is one lock connection and the uploads locked on it.
type lockShard struct {
	mu   sync.Mutex
	conn *pgx.Conn
	// held maps the uploads locked on this connection to the callback that asks
	// their request to finish. Session locks are re-entrant, so this map, not
	// PostgreSQL, keeps two requests of this node apart.
	held map[string]func()
}

// NewLocker returns a locker whose dedicated connections connect makes, and which
// sends its release requests through pool.
func NewLocker(connect func(context.Context) (*pgx.Conn, error), pool db.DBTX, log *slog.Logger) *Locker {
	l := &Locker{connect: connect, db: pool, log: log}
	for i := range l.shards {
		l.shards[i].held = map[string]func(){}
	}
	return l
}

// NewLock returns the (unlocked) lock of one upload.
func (l *Locker) NewLock(id string) (tusd.Lock, error) {
	return &lock{locker: l, id: id}, nil
}

// UseIn makes the locker the store composer's.
func (l *Locker) UseIn(c *tusd.StoreComposer) { c.UseLocker(l) }

func (l *Locker) shard(id string) *lockShard {
	h := fnv.New32a()
	h.Write([]byte(id))
	return &l.shards[h.Sum32()%lockShards]
}

// lockRetry is how often a waiting request tries again.
const lockRetry = 50 * time.Millisecond

// lockQueryTimeout bounds a statement on a lock connection. Those statements do not
// end with the request's context: interrupting one would break the connection, and
// with it the locks of every upload it holds.
const lockQueryTimeout = 10 * time.Second

// lockCheck is how often Listen checks that the connections holding this node's locks
// are alive, so that the requests whose lock went with a dead connection are asked to
// stop soon, not when the next request happens to use that connection.
const lockCheck = 2 * time.Second

type lock struct {
	locker *Locker
	id     string
}

// Lock takes the upload's lock, asking its holder to let go, until ctx ends.
func (k *lock) Lock(ctx context.Context, requestUnlock func()) error {
	for {
		if ctx.Err() != nil {
			return tusd.ErrLockTimeout
		}
		ok, err := k.locker.tryLock(ctx, k.id, requestUnlock)
		if err != nil {
			if ctx.Err() != nil {
				return tusd.ErrLockTimeout
			}
			return err
		}
		if ok {
			return nil
		}
		k.locker.askRelease(ctx, k.id)
		select {
		case <-ctx.Done():
			return tusd.ErrLockTimeout
		case <-time.After(lockRetry):
		}
	}
}

// Unlock releases the upload's lock.
func (k *lock) Unlock() error {
	return k.locker.unlock(k.id)
}

func (l *Locker) tryLock(ctx context.Context, id string, requestUnlock func()) (bool, error) {
	s := l.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if holder, ok := s.held[id]; ok {
		go holder() // held by another request of this node
		return false, nil
	}
	// A connection that died since its last use fails the first statement: the
	// second attempt runs on a new one.
	for attempt := 1; ; attempt++ {
		conn, err := l.lockConn(ctx, s)
		if err != nil {
			return false, err
		}
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockQueryTimeout)
		var ok bool
		err = conn.QueryRow(qctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, lockClass, id).Scan(&ok)
		cancel()
		if err != nil {
			l.dropConn(s)
			if attempt < 2 && ctx.Err() == nil {
				continue
			}
			return false, fmt.Errorf("lock upload %s: %w", id, err)
		}
		if ok {
			s.held[id] = requestUnlock
		}
		return ok, nil
	}
}

func (l *Locker) unlock(id string) error {
	s := l.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.held[id]; !ok {
		return tusd.ErrNotFound
	}
	delete(s.held, id)
	if s.conn == nil {
		return nil // the session ended: PostgreSQL has already released it
	}
	ctx, cancel := context.WithTimeout(context.Background(), lockQueryTimeout)
	defer cancel()
	if _, err := s.conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, lockClass, id); err != nil {
		l.dropConn(s)
		return fmt.Errorf("unlock upload %s: %w", id, err)
	}
	return nil
}

// lockConn returns the shard's connection, opening it if needed.
func (l *Locker) lockConn(ctx context.Context, s *lockShard) (*pgx.Conn, error) {
	if s.conn != nil {
		if !s.conn.IsClosed() {
			return s.conn, nil
		}
		l.dropConn(s)
	}
	conn, err := l.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("open upload lock connection: %w", err)
	}
	s.conn = conn
	return conn, nil
}

// dropConn forgets a broken lock connection. Its session's locks are gone with it,
// so every request holding one is asked to stop before another node takes over.
func (l *Locker) dropConn(s *lockShard) {
	if s.conn != nil {
		_ = s.conn.Close(context.Background())
		s.conn = nil
	}
	for id, requestUnlock := range s.held {
		l.log.Warn("upload lock lost with its connection", "upload", id)
		go requestUnlock()
	}
}

func (l *Locker) askRelease(ctx context.Context, id string) {
	if _, err := l.db.Exec(ctx, `SELECT pg_notify($1, $2)`, unlockChannel, id); err != nil && ctx.Err() == nil {
		l.log.Warn("ask for an upload lock", "upload", id, "err", err)
	}
}

// Listen hears release requests from other nodes until ctx ends, reconnecting when
// its connection breaks. Meanwhile it checks the lock connections.
func (l *Locker) Listen(ctx context.Context) {
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		l.checkConns(ctx)
	}()
	defer func() { <-checked }()
	for ctx.Err() == nil {
		if err := l.listenOnce(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("upload unlock listener", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (l *Locker) listenOnce(ctx context.Context) error {
	conn, err := l.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+unlockChannel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		s := l.shard(n.Payload)
		s.mu.Lock()
		requestUnlock := s.held[n.Payload]
		s.mu.Unlock()
		if requestUnlock != nil {
			requestUnlock()
		}
	}
}

// checkConns pings, every lockCheck until ctx ends, the connections that hold locks,
// and drops those that do not answer, asking their requests to stop. PostgreSQL frees
// the locks of a session as soon as it ends, so another node may already hold them.
func (l *Locker) checkConns(ctx context.Context) {
	tick := time.NewTicker(lockCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for i := range l.shards {
			s := &l.shards[i]
			s.mu.Lock()
			if s.conn != nil && len(s.held) > 0 {
				// Not ctx: a ping cut short at shutdown would drop a live connection.
				pctx, cancel := context.WithTimeout(context.Background(), lockQueryTimeout)
				if err := s.conn.Ping(pctx); err != nil {
					l.dropConn(s)
				}
				cancel()
			}
			s.mu.Unlock()
		}
	}
}

// Close releases every lock of this node by ending its sessions, asking the requests
// that still hold one to stop.
func (l *Locker) Close() {
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		if s.conn != nil {
			l.dropConn(s)
		}
		s.mu.Unlock()
	}
}
