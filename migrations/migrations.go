// Package migrations owns the database schema: numbered SQL files embedded in the
// binary, applied with goose under a PostgreSQL advisory lock so that two nodes
// starting together cannot race, followed by river's own job-queue schema.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// Up applies every pending migration: the project's, then river's.
func Up(ctx context.Context, pool *pgxpool.Pool) error {
	provider, closeDB, err := newProvider(pool)
	if err != nil {
		return err
	}
	defer closeDB()
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("apply river migrations: %w", err)
	}
	return nil
}

// Pending reports how many of the project's migrations are not yet applied.
// serve refuses to start on a schema that is behind.
func Pending(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	provider, closeDB, err := newProvider(pool)
	if err != nil {
		return 0, err
	}
	defer closeDB()
	status, err := provider.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration status: %w", err)
	}
	pending := 0
	for _, s := range status {
		if s.State == goose.StatePending {
			pending++
		}
	}
	return pending, nil
}

func newProvider(pool *pgxpool.Pool) (*goose.Provider, func(), error) {
	sqlDB := stdlib.OpenDBFromPool(pool)
	// A session-level advisory lock: the first node migrates, the others wait for it.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("migration locker: %w", err)
	}
	sub, err := fs.Sub(files, ".")
	if err != nil {
		sqlDB.Close()
		return nil, nil, err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("migration provider: %w", err)
	}
	return provider, func() { _ = sqlDB.Close() }, nil
}

// To migrates the project's schema up or down to version (river's is left as
// it is): for the tests of a migration, which take a database back to the
// version before it, fill it as it was, and apply it.
func To(ctx context.Context, pool *pgxpool.Pool, version int64) error {
	provider, closeDB, err := newProvider(pool)
	if err != nil {
		return err
	}
	defer closeDB()
	current, err := provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migration version: %w", err)
	}
	if version < current {
		_, err = provider.DownTo(ctx, version)
	} else {
		_, err = provider.UpTo(ctx, version)
	}
	if err != nil {
		return fmt.Errorf("migrate to %d: %w", version, err)
	}
	return nil
}
