package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"cartable/bench/node"
)

// Snapshot is the database's tables and the bucket's objects at one moment.
type Snapshot struct {
	Tables  map[string]Size `json:"tables"`
	Objects map[string]Size `json:"objects"` // by the key's first folder: blobs, previews
}

// Size is rows and bytes (a table's with its indexes and TOAST), or objects and
// bytes.
type Size struct {
	Count int64 `json:"count"`
	Bytes int64 `json:"bytes"`
}

// measure takes a snapshot after VACUUM ANALYZE, so that dead rows of updated
// ones (a preview's states, a job's) do not count.
func measure(ctx context.Context, e *node.Env) (Snapshot, error) {
	s := Snapshot{Tables: map[string]Size{}, Objects: map[string]Size{}}
	conn, err := pgx.Connect(ctx, e.DBURL)
	if err != nil {
		return s, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return s, fmt.Errorf("vacuum: %w", err)
	}
	// A partition (the audit log's months) counts as its partitioned table.
	rows, err := conn.Query(ctx, `SELECT relname, coalesce(pg_partition_root(relid)::regclass::text, relname)
		FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname`)
	if err != nil {
		return s, err
	}
	type table struct{ name, root string }
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var t table
		return t, r.Scan(&t.name, &t.root)
	})
	if err != nil {
		return s, err
	}
	for _, t := range tables {
		var size Size
		if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*), pg_total_relation_size('%s') FROM %s`, t.name, pgx.Identifier{t.name}.Sanitize())).
			Scan(&size.Count, &size.Bytes); err != nil {
			return s, fmt.Errorf("size of %s: %w", t.name, err)
		}
		sum := s.Tables[t.root]
		sum.Count += size.Count
		sum.Bytes += size.Bytes
		s.Tables[t.root] = sum
	}
	for obj := range e.Minio.ListObjects(ctx, e.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			return s, obj.Err
		}
		folder, _, _ := strings.Cut(obj.Key, "/")
		size := s.Objects[folder]
		size.Count++
		size.Bytes += obj.Size
		s.Objects[folder] = size
	}
	return s, nil
}
