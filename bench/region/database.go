package region

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/db"
	"cartable/migrations"
)

// FreshDatabase creates a migrated database of its own next to base (named after
// prefix and the time) and returns a pool on it and the function that drops it.
func FreshDatabase(ctx context.Context, base, prefix string) (*pgxpool.Pool, func(), error) {
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, nil, err
	}
	u.Path = "/" + name
	pool, err := db.Open(ctx, u.String(), 0) // as the server connects
	if err != nil {
		return nil, nil, err
	}
	drop := func() {
		pool.Close()
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}
	if err := migrations.Up(ctx, pool); err != nil {
		drop()
		return nil, nil, err
	}
	return pool, drop, nil
}
