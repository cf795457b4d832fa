// Package pgtest gives each test a fresh PostgreSQL database with every migration
// applied, cloned from a template migrated once per test binary, so that tests run
// in parallel without seeing each other's rows.
//
// It reads CARTABLE_DATABASE_URL (make test and deploy/dev/stack.sh set it). Without
// it a test is skipped, except under CI (CI=true), where it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/migrations"
)

var (
	// mu serializes CREATE DATABASE … TEMPLATE: PostgreSQL refuses to copy a template
	// while another session copies it too.
	mu       sync.Mutex
	template string
	tmplErr  error
)

// New returns a pool on a fresh migrated database, dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := URL(t)
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 10
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// URL creates a fresh migrated database and returns its URL, for tests that start
// the whole program. The database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CARTABLE_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CARTABLE_DATABASE_URL is not set: run the tests with `make test`")
		}
		t.Skip("no PostgreSQL: set CARTABLE_DATABASE_URL or run `make test`")
	}
	ctx := context.Background()
	tmpl, err := migratedTemplate(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	name := "test_" + randomSuffix()
	mu.Lock()
	err = exec(ctx, base, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tmpl))
	mu.Unlock()
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(context.Background(), base, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

// migratedTemplate creates, once per test binary, a database with every migration
// applied, to clone for each test.
func migratedTemplate(ctx context.Context, base string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if template != "" || tmplErr != nil {
		return template, tmplErr
	}
	name := "tmpl_" + randomSuffix()
	if tmplErr = exec(ctx, base, `CREATE DATABASE `+name); tmplErr != nil {
		return "", fmt.Errorf("create template: %w", tmplErr)
	}
	pool, err := pgxpool.New(ctx, withDatabase(base, name))
	if err != nil {
		tmplErr = err
		return "", err
	}
	defer pool.Close()
	migrateCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := migrations.Up(migrateCtx, pool); err != nil {
		tmplErr = fmt.Errorf("migrate template: %w", err)
		return "", tmplErr
	}
	template = name
	return template, nil
}

func exec(ctx context.Context, dbURL, sql string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func withDatabase(dbURL, name string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		panic(fmt.Sprintf("pgtest: bad database url: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
