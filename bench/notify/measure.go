package main

import (
	"context"
	"fmt"
	"log/slog"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/db"
	"cartable/live"
)

// mode is how the committed ids are announced.
type mode string

const (
	plain   mode = "plain"
	inTx    mode = "in each transaction"
	batched mode = "batched every 20 ms"
)

var modes = []mode{plain, inTx, batched}

// Result is one measurement.
type Result struct {
	Server        string  `json:"server"`
	Mode          mode    `json:"mode"`
	Clients       int     `json:"clients"`
	Commits       int     `json:"commits"`
	CommitsPerSec float64 `json:"commits_per_s"`
	P50ms         float64 `json:"p50_ms"`
	P99ms         float64 `json:"p99_ms"`
	Heard         int64   `json:"ids_heard"` // ids the listener received
	Notifies      int64   `json:"notifies"`  // NOTIFYs the listener received
}

// measure commits from clients connections for d, announcing each id as m says
// through package live itself (live.NotifyTx in a db.Transact transaction, with a
// live.Announcer in the context for the batched mode), on a table of its own in a
// database of its own.
func measure(ctx context.Context, base string, m mode, clients int, d time.Duration) (Result, error) {
	res := Result{Mode: m, Clients: clients}
	url, drop, err := freshDatabase(ctx, base)
	if err != nil {
		return res, err
	}
	defer drop()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return res, err
	}
	cfg.MaxConns = int32(clients + 1)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE changes (blob_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return res, err
	}
	stopListening, err := listen(ctx, url)
	if err != nil {
		return res, err
	}
	var announcer *live.Announcer
	if m == batched {
		announcer = live.NewAnnouncer(pool, slog.New(slog.DiscardHandler))
		ctx = live.WithAnnouncer(ctx, announcer)
	}
	deadline := time.Now().Add(d)
	latencies := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				start := time.Now()
				if err := commit(ctx, pool, m, uuid.New()); err != nil {
					errs[i] = err
					return
				}
				latencies[i] = append(latencies[i], time.Since(start))
			}
		})
	}
	wg.Wait()
	if announcer != nil {
		announcer.Close()
	}
	time.Sleep(200 * time.Millisecond) // the last notices' way to the listener
	res.Notifies, res.Heard = stopListening()
	var all []time.Duration
	for i := range clients {
		if errs[i] != nil {
			return res, errs[i]
		}
		all = append(all, latencies[i]...)
	}
	slices.Sort(all)
	res.Commits = len(all)
	res.CommitsPerSec = float64(len(all)) / d.Seconds()
	res.P50ms, res.P99ms = quantileMs(all, 0.50), quantileMs(all, 0.99)
	return res, nil
}

// commit is one short write transaction, announcing its id unless m is plain.
func commit(ctx context.Context, pool *pgxpool.Pool, m mode, id uuid.UUID) error {
	return db.Transact(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO changes (blob_id) VALUES ($1)`, id); err != nil {
			return err
		}
		if m == plain {
			return nil
		}
		return live.NotifyTx(ctx, tx, id)
	})
}

// listen drains live's channel on a connection of its own, as a node's hub does;
// the function it returns stops it and says how many notices and ids it heard.
func listen(ctx context.Context, url string) (func() (notices, ids int64), error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+live.Channel); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	var notices, ids atomic.Int64
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := conn.WaitForNotification(lctx)
			if err != nil {
				return
			}
			notices.Add(1)
			ids.Add(int64(strings.Count(n.Payload, ",") + 1))
		}
	}()
	return func() (int64, int64) {
		cancel()
		<-done
		conn.Close(context.Background())
		return notices.Load(), ids.Load()
	}, nil
}

func quantileMs(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[int(q*float64(len(sorted)-1))]) / float64(time.Millisecond)
}

// freshDatabase creates an empty database on the server of base and returns its
// URL and a function that drops it.
func freshDatabase(ctx context.Context, base string) (string, func(), error) {
	u, err := neturl.Parse(base)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("bench_notify_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}, nil
}
