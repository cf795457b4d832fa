// Package db owns the connection to PostgreSQL and the one transaction pattern every
// capability uses: data functions take a DBTX, satisfied by the pool and by a pgx.Tx,
// and a use case that spans capabilities opens one transaction with Transact.
package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DBTX is what every data function takes: a pool or a transaction.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Open connects a pool of at most maxConns connections to url (unless the URL sets
// pool_max_conns), with JIT compilation off (unless the URL sets jit), and checks
// that the server answers.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 && !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = maxConns
	}
	// JIT compiles a query whose estimated cost passes jit_above_cost: it pays for
	// long analytic scans, never for our short index-driven ones, whose estimates a
	// GIN index inflates (an assignment's dashboard at a million items: 300 ms of
	// compiling for 0.5 ms of work, bench/assignments). Off, unless the URL says.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// maxAttempts bounds the retries of a transaction that lost a serialization race.
const maxAttempts = 5

// Transact runs fn in one transaction on db, committing when fn returns nil and
// rolling back otherwise. A serialization failure or deadlock retries fn from the
// start, so fn must not have effects outside the transaction it is given.
func Transact(ctx context.Context, db DBTX, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = transactOnce(ctx, db, fn)
		if !retryable(err) {
			return err
		}
	}
	return fmt.Errorf("transaction failed after %d attempts: %w", maxAttempts, err)
}

func transactOnce(ctx context.Context, db DBTX, fn func(tx pgx.Tx) error) error {
	begun, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: begun}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if outer, nested := db.(*Tx); nested {
		// A savepoint released: what waits for the commit waits for the outer one.
		outer.afterCommit = append(outer.afterCommit, tx.afterCommit...)
		return nil
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// Tx is the transaction Transact gives its function: a pgx.Tx that can also run
// functions once it committed.
type Tx struct {
	pgx.Tx
	afterCommit []func()
}

// AfterCommit runs f once the transaction committed; never if it rolls back, nor
// for an attempt that is retried. In a Transact nested in another's transaction
// (a savepoint), once the outer one committed.
func (t *Tx) AfterCommit(f func()) { t.afterCommit = append(t.afterCommit, f) }

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}

// IsUniqueViolation reports whether err is a unique violation of the named
// constraint or index (any, when name is empty).
func IsUniqueViolation(err error, name string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return name == "" || pgErr.ConstraintName == name
}

// IsCheckViolation reports whether err is a violation of the named check constraint.
func IsCheckViolation(err error, name string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514" && pgErr.ConstraintName == name
}

// IsForeignKeyViolation reports whether err is a foreign key violation.
func IsForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

// DeleteInBatches runs query, a DELETE of at most batch rows whose last
// parameter is the batch size, again and again until it deletes fewer than
// batch, and returns how many rows it deleted in all. Each batch is its own
// statement, so that a purge of millions of rows (an audit log's, an events
// feed's) never holds a long transaction nor writes its WAL in one go.
func DeleteInBatches(ctx context.Context, q DBTX, batch int, query string, args ...any) (int64, error) {
	var total int64
	for {
		tag, err := q.Exec(ctx, query, append(args, batch)...)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < int64(batch) {
			return total, nil
		}
	}
}

// RetentionCutoff is the moment before which rows kept for retention are
// deleted: retention (def when unset) before now, by the clock given (time.Now
// when nil, a test's fixed clock otherwise).
func RetentionCutoff(now func() time.Time, retention, def time.Duration) time.Time {
	if now == nil {
		now = time.Now
	}
	if retention <= 0 {
		retention = def
	}
	return now().Add(-retention)
}
