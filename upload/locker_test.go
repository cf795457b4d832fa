package upload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"cartable/pgtest"
)

var _ tusd.Locker = (*Locker)(nil)

// patience bounds every wait for something that must happen: generous, for a loaded
// machine. Nothing is asserted about how long it takes.
const patience = 30 * time.Second

// briefly is how long a request tries for a lock it must not get.
const briefly = 500 * time.Millisecond

// node is one Cartable node's locker over the test's database: its own lock and
// listen connections (tagged with its name as application_name, to find them in
// pg_stat_activity), release requests sent through the shared pool.
type node struct {
	*Locker
	name string
}

// cluster is a fresh database and the nodes that share it.
type cluster struct {
	t    *testing.T
	pool *pgxpool.Pool
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	return &cluster{t: t, pool: pgtest.New(t)}
}

// node starts a locker and its listener, stopped and closed when the test ends.
func (c *cluster) node(name string) *node {
	c.t.Helper()
	cfg := c.pool.Config().ConnConfig
	connect := func(ctx context.Context) (*pgx.Conn, error) {
		cc := cfg.Copy()
		cc.RuntimeParams["application_name"] = name
		return pgx.ConnectConfig(ctx, cc)
	}
	l := NewLocker(connect, c.pool, slog.New(slog.NewTextHandler(testWriter{c.t}, nil)).With("node", name))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Listen(ctx)
	}()
	c.t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(patience):
			c.t.Errorf("node %s: Listen did not return after its context ended", name)
		}
		l.Close()
	})
	return &node{Locker: l, name: name}
}

// lock takes id's lock on n, failing the test unless it gets it within patience.
func (n *node) lock(t *testing.T, id string, requestUnlock func()) tusd.Lock {
	t.Helper()
	k, err := n.NewLock(id)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := k.Lock(ctx, requestUnlock); err != nil {
		t.Fatalf("node %s: lock %s: %v", n.name, id, err)
	}
	return k
}

// tryLock tries to take id's lock on n for a while, returning Lock's error.
func (n *node) tryLock(t *testing.T, id string, d time.Duration) (tusd.Lock, error) {
	t.Helper()
	k, err := n.NewLock(id)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return k, k.Lock(ctx, func() {})
}

// sameShard returns n ids other than id that n locks on id's connection.
func (n *node) sameShard(id string, count int) []string {
	var ids []string
	for i := 0; len(ids) < count; i++ {
		other := fmt.Sprintf("%s-neighbour-%d", id, i)
		if n.shard(other) == n.shard(id) {
			ids = append(ids, other)
		}
	}
	return ids
}

// holder returns the backend pid that holds id's upload lock, or 0.
func (c *cluster) holder(id string) int32 {
	c.t.Helper()
	var pid int32
	err := c.pool.QueryRow(context.Background(), `
		SELECT coalesce(max(pid), 0) FROM pg_locks
		WHERE locktype = 'advisory' AND granted
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid = $1::int::oid AND objid = hashtext($2)::oid AND objsubid = 2`,
		lockClass, id).Scan(&pid)
	if err != nil {
		c.t.Fatalf("holder of %s: %v", id, err)
	}
	return pid
}

// heldLocks counts the upload locks held in the test's database.
func (c *cluster) heldLocks() int {
	c.t.Helper()
	var n int
	err := c.pool.QueryRow(context.Background(), `
		SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND granted
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid = $1::int::oid AND objsubid = 2`, lockClass).Scan(&n)
	if err != nil {
		c.t.Fatalf("count upload locks: %v", err)
	}
	return n
}

// terminate ends the backends that match where (over pg_stat_activity, in the test's
// database) as a dying connection would, and returns how many it ended.
func (c *cluster) terminate(where string, args ...any) int {
	c.t.Helper()
	var n int
	err := c.pool.QueryRow(context.Background(), `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND `+where, args...).Scan(&n)
	if err != nil {
		c.t.Fatalf("terminate %s: %v", where, err)
	}
	return n
}

// eventually fails the test unless cond holds within patience.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", patience, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wait fails the test unless ch is closed within patience.
func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(patience):
		t.Fatalf("not within %v: %s", patience, what)
	}
}

// signal is a requestUnlock callback that closes a channel on its first call and
// counts its calls.
type signal struct {
	once  sync.Once
	ch    chan struct{}
	calls atomic.Int32
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) fire() {
	s.calls.Add(1)
	s.once.Do(func() { close(s.ch) })
}

func (s *signal) fired() bool {
	select {
	case <-s.ch:
		return true
	default:
		return false
	}
}

// mustNotBeCalled is the requestUnlock of a lock nobody may ask for.
func mustNotBeCalled(t *testing.T, what string) (func(), func()) {
	var called atomic.Bool
	return func() { called.Store(true) }, func() {
		t.Helper()
		if called.Load() {
			t.Errorf("%s: requestUnlock called", what)
		}
	}
}

func TestLockerLockUnlock(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a := c.node("a")
	tests := []struct {
		name string
		ops  []string // lock or unlock, in order, on one tusd.Lock
		errs []error  // what each op returns
	}{
		{"lock then unlock", []string{"lock", "unlock"}, []error{nil, nil}},
		{"lock again after unlock", []string{"lock", "unlock", "lock", "unlock"}, []error{nil, nil, nil, nil}},
		{"unlock never locked", []string{"unlock"}, []error{tusd.ErrNotFound}},
		{"unlock twice", []string{"lock", "unlock", "unlock"}, []error{nil, nil, tusd.ErrNotFound}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("upload-%d", i)
			k, err := a.NewLock(id)
			if err != nil {
				t.Fatal(err)
			}
			requestUnlock, check := mustNotBeCalled(t, id)
			held := false
			for j, op := range tt.ops {
				switch op {
				case "lock":
					ctx, cancel := context.WithTimeout(context.Background(), patience)
					err = k.Lock(ctx, requestUnlock)
					cancel()
					held = held || err == nil
				case "unlock":
					err = k.Unlock()
					held = held && err != nil
				}
				if !errors.Is(err, tt.errs[j]) || (err == nil) != (tt.errs[j] == nil) {
					t.Fatalf("op %d (%s): got %v, want %v", j, op, err, tt.errs[j])
				}
				if pid := c.holder(id); (pid != 0) != held {
					t.Fatalf("op %d (%s): held in PostgreSQL by pid %d, want held=%v", j, op, pid, held)
				}
			}
			check()
		})
	}
}

// TestLockerHeldLockTimesOut: a request that cannot take a held lock before its
// context ends gets ErrLockTimeout, having asked the holder to let go, and the holder
// keeps the lock.
func TestLockerHeldLockTimesOut(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a, b := c.node("a"), c.node("b")
	for _, tt := range []struct {
		name   string
		waiter *node
	}{{"same node", a}, {"other node", b}} {
		t.Run(tt.name, func(t *testing.T) {
			id := "upload-" + strings.ReplaceAll(tt.name, " ", "-")
			asked := newSignal()
			held := a.lock(t, id, asked.fire) // the holder ignores the request
			pid := c.holder(id)

			waiter, err := tt.waiter.tryLock(t, id, briefly)
			if !errors.Is(err, tusd.ErrLockTimeout) {
				t.Fatalf("lock of a held upload: got %v, want %v", err, tusd.ErrLockTimeout)
			}
			wait(t, asked.ch, "the holder asked to let go")
			if got := c.holder(id); got != pid {
				t.Fatalf("after the waiter gave up, the lock is held by pid %d, want %d", got, pid)
			}
			if tt.waiter != a { // on node a, held is keyed by upload: it would unlock the holder
				if err := waiter.Unlock(); !errors.Is(err, tusd.ErrNotFound) {
					t.Errorf("unlock by the waiter that timed out: got %v, want %v", err, tusd.ErrNotFound)
				}
			}

			if err := held.Unlock(); err != nil {
				t.Fatal(err)
			}
			again := tt.waiter.lock(t, id, func() {})
			if err := again.Unlock(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLockerRequestRelease: a waiting request makes the holder's requestUnlock fire
// (through LISTEN/NOTIFY when the holder is another node); when the holder lets go,
// the waiter gets the lock.
func TestLockerRequestRelease(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a, b := c.node("a"), c.node("b")
	for _, tt := range []struct {
		name   string
		waiter *node
	}{{"same node", a}, {"other node", b}} {
		t.Run(tt.name, func(t *testing.T) {
			id := "upload-" + strings.ReplaceAll(tt.name, " ", "-")
			asked := newSignal()
			held := a.lock(t, id, asked.fire)

			got := make(chan error, 1)
			var waiter tusd.Lock
			go func() {
				k, err := tt.waiter.NewLock(id)
				if err != nil {
					got <- err
					return
				}
				waiter = k
				ctx, cancel := context.WithTimeout(context.Background(), patience)
				defer cancel()
				got <- k.Lock(ctx, func() {})
			}()

			wait(t, asked.ch, "the holder asked to let go")
			select {
			case err := <-got:
				t.Fatalf("the waiter got the lock (err %v) before the holder let go", err)
			default:
			}
			if err := held.Unlock(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-got:
				if err != nil {
					t.Fatalf("waiter: %v", err)
				}
			case <-time.After(patience + time.Second):
				t.Fatal("the waiter never returned")
			}
			if c.holder(id) == 0 {
				t.Fatal("the waiter's lock is not held in PostgreSQL")
			}
			if err := waiter.Unlock(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLockerLocksEndWithTheirSession: when a node closes its locker, or its lock
// connections die, PostgreSQL frees its locks and another node takes them.
func TestLockerLocksEndWithTheirSession(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		end  func(c *cluster, a *node, ids []string)
	}{
		{"close", func(c *cluster, a *node, ids []string) { a.Close() }},
		{"lock connections terminated", func(c *cluster, a *node, ids []string) {
			pids := map[int32]bool{}
			for _, id := range ids {
				pids[c.holder(id)] = true
			}
			for pid := range pids {
				if c.terminate(`pid = $1`, pid) != 1 {
					c.t.Fatalf("no backend %d to terminate", pid)
				}
			}
		}},
		{"every connection of the node terminated", func(c *cluster, a *node, ids []string) {
			if c.terminate(`application_name = $1`, a.name) == 0 {
				c.t.Fatalf("no backend of node %s to terminate", a.name)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t)
			a, b := c.node("a"), c.node("b")
			var ids []string
			for i := range 3 * lockShards {
				ids = append(ids, fmt.Sprintf("upload-%d", i))
			}
			for _, id := range ids {
				a.lock(t, id, func() {})
			}
			if _, err := b.tryLock(t, ids[0], briefly); !errors.Is(err, tusd.ErrLockTimeout) {
				t.Fatalf("lock held by a live node: got %v, want %v", err, tusd.ErrLockTimeout)
			}

			tt.end(c, a, ids)

			eventually(t, "node a's locks freed in PostgreSQL", func() bool { return c.heldLocks() == 0 })
			for _, id := range ids {
				k := b.lock(t, id, func() {})
				if err := k.Unlock(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestLockerTellsHoldersOfALostSession: when a lock connection dies, PostgreSQL
// frees its locks at once, so another node may take them; the requests that held
// them must be asked to stop (locker.go: dropConn), without waiting for some other
// request to use that connection.
func TestLockerTellsHoldersOfALostSession(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a, b := c.node("a"), c.node("b")
	asked := newSignal()
	held := a.lock(t, "upload-1", asked.fire)
	defer held.Unlock() //nolint:errcheck // its session is gone

	c.terminate(`pid = $1`, c.holder("upload-1"))
	eventually(t, "the lock freed in PostgreSQL", func() bool { return c.holder("upload-1") == 0 })
	taken := b.lock(t, "upload-1", func() {})
	defer taken.Unlock() //nolint:errcheck
	// Node b now holds the upload: node a's request must be told it lost it.
	wait(t, asked.ch, "node a's request asked to stop after its lock went with its connection")
}

// TestLockerReconnects: after a lock connection died, the node locks uploads again
// (on a new connection) rather than failing the request that finds it dead.
func TestLockerReconnects(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a := c.node("a")
	lost := a.lock(t, "upload-1", func() {})
	c.terminate(`pid = $1`, c.holder("upload-1"))
	eventually(t, "the lock freed in PostgreSQL", func() bool { return c.holder("upload-1") == 0 })

	next := a.sameShard("upload-1", 1)[0]
	k, err := a.NewLock(next)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := k.Lock(ctx, func() {}); err != nil {
		t.Fatalf("lock after the connection died: %v", err)
	}
	if c.holder(next) == 0 {
		t.Fatal("not held in PostgreSQL")
	}
	if err := k.Unlock(); err != nil {
		t.Fatal(err)
	}
	_ = lost.Unlock()
}

// TestLockerCancelledWaiterKeepsOtherLocks: a request whose context has ended
// (client gone, lock timeout) gets ErrLockTimeout, or the lock, and nothing else
// happens: the uploads locked on the same connection stay locked.
func TestLockerCancelledWaiterKeepsOtherLocks(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a, b := c.node("a"), c.node("b")
	asked := newSignal()
	held := a.lock(t, "upload-1", asked.fire)
	pid := c.holder("upload-1")

	for _, id := range a.sameShard("upload-1", 3) {
		k, err := a.NewLock(id)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err = k.Lock(ctx, func() {})
		if err != nil && !errors.Is(err, tusd.ErrLockTimeout) {
			t.Errorf("lock with an ended context: got %v, want nil or %v", err, tusd.ErrLockTimeout)
		}
		if err == nil {
			if err := k.Unlock(); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Requests whose deadline passes while they wait, at any point of their attempts,
	// for an upload that node b holds on the same connection of node a.
	contended := a.sameShard("upload-1", 4)[3]
	other := b.lock(t, contended, func() {})
	for i := range 40 {
		k, err := a.NewLock(contended)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%20+1)*time.Millisecond)
		err = k.Lock(ctx, func() {})
		cancel()
		if !errors.Is(err, tusd.ErrLockTimeout) {
			t.Fatalf("lock of %s held by node b, deadline %d ms: got %v, want %v", contended, i%20+1, err, tusd.ErrLockTimeout)
		}
	}
	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}

	time.Sleep(briefly) // a lock connection that was closed ends its backend meanwhile
	if asked.fired() {
		t.Error("the holder of upload-1 was asked to stop by a request for another upload")
	}
	if got := c.holder("upload-1"); got != pid {
		t.Fatalf("upload-1 held by pid %d, want %d", got, pid)
	}
	if _, err := b.tryLock(t, "upload-1", briefly); !errors.Is(err, tusd.ErrLockTimeout) {
		t.Fatalf("other node's lock of upload-1: got %v, want %v", err, tusd.ErrLockTimeout)
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockerListenerReconnects: release requests reach a node again after its
// LISTEN connection died.
func TestLockerListenerReconnects(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a, b := c.node("a"), c.node("b")
	listening := func() bool {
		var n int
		err := c.pool.QueryRow(context.Background(), `
			SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'a' AND query LIKE 'LISTEN %'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	eventually(t, "node a listening", listening)
	if c.terminate(`application_name = 'a' AND query LIKE 'LISTEN %'`) != 1 {
		t.Fatal("no listener of node a to terminate")
	}

	asked := newSignal()
	held := a.lock(t, "upload-1", asked.fire)
	go func() {
		<-asked.ch
		_ = held.Unlock()
	}()
	k := b.lock(t, "upload-1", func() {})
	if !asked.fired() {
		t.Fatal("node b got the lock without node a letting go")
	}
	if err := k.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockerManyUploads: one node holds the locks of many uploads at once, spread
// over its connections, and another node takes none of them until they are
// released.
func TestLockerManyUploads(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a, b := c.node("a"), c.node("b")
	const n = 200
	locks := make([]tusd.Lock, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		ids[i] = fmt.Sprintf("upload-%03d", i)
		wg.Go(func() {
			k, err := a.NewLock(ids[i])
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), patience)
				err = k.Lock(ctx, func() {})
				cancel()
			}
			if err != nil {
				errs <- fmt.Errorf("lock %s: %w", ids[i], err)
				return
			}
			locks[i] = k
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := c.heldLocks(); got != n {
		t.Fatalf("%d upload locks held in PostgreSQL, want %d", got, n)
	}
	pids := map[int32]bool{}
	for _, id := range ids {
		pids[c.holder(id)] = true
	}
	if len(pids) != lockShards {
		t.Errorf("locks held on %d connections, want %d", len(pids), lockShards)
	}

	for i := 0; i < n; i += n / 10 {
		wg.Go(func() {
			if _, err := b.tryLock(t, ids[i], briefly); !errors.Is(err, tusd.ErrLockTimeout) {
				t.Errorf("node b lock of held %s: got %v, want %v", ids[i], err, tusd.ErrLockTimeout)
			}
		})
	}
	wg.Wait()

	for i, k := range locks {
		if err := k.Unlock(); err != nil {
			t.Fatalf("unlock %s: %v", ids[i], err)
		}
	}
	if got := c.heldLocks(); got != 0 {
		t.Fatalf("%d upload locks held after every unlock", got)
	}
	for _, id := range ids {
		k := b.lock(t, id, func() {})
		if err := k.Unlock(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLockerConcurrent: requests of three nodes, several per node, take turns on a
// few uploads; no two ever hold the same upload at once, and every one gets its turn.
func TestLockerConcurrent(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	nodes := []*node{c.node("a"), c.node("b"), c.node("c")}
	const (
		uploads    = 4
		perNode    = 4
		iterations = 8
	)
	var inUse [uploads]atomic.Int32
	var turns atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, len(nodes)*perNode)
	for _, n := range nodes {
		for r := range perNode {
			wg.Go(func() {
				for i := range iterations {
					u := (r + i) % uploads
					id := fmt.Sprintf("upload-%d", u)
					k, err := n.NewLock(id)
					if err != nil {
						errs <- err
						return
					}
					// The holder lets go when it is done, not when asked: requests
					// wait their turn, asking again and again.
					ctx, cancel := context.WithTimeout(context.Background(), patience)
					err = k.Lock(ctx, func() {})
					cancel()
					if err != nil {
						errs <- fmt.Errorf("node %s: lock %s: %w", n.name, id, err)
						return
					}
					if !inUse[u].CompareAndSwap(0, 1) {
						errs <- fmt.Errorf("node %s: %s locked while another request holds it", n.name, id)
					}
					time.Sleep(time.Millisecond)
					inUse[u].Store(0)
					if err := k.Unlock(); err != nil {
						errs <- fmt.Errorf("node %s: unlock %s: %w", n.name, id, err)
						return
					}
					turns.Add(1)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := int(turns.Load()), len(nodes)*perNode*iterations; got != want {
		t.Errorf("%d turns, want %d", got, want)
	}
	if got := c.heldLocks(); got != 0 {
		t.Errorf("%d upload locks held at the end", got)
	}
}

// testWriter sends the locker's log lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
