package migrations_test

import (
	"context"
	"testing"
	"time"

	"cartable/migrations"
	"cartable/pgtest"
)

// TestAuditLogByMonth: migrations 38 to 40 partition the audit log by month
// without copying it, on a server whose time zone is not UTC: the lines logged
// before stay, in the partition of everything before the bound (two months
// ahead, at midnight UTC); new lines go on into it until then, with ids after the
// old ones', and to the month's partition after; going back down keeps every
// line, and up again works.
func TestAuditLogByMonth(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	if err := migrations.To(ctx, pool, 37); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET TimeZone TO %L', current_database(), 'Europe/Paris'); END $$`); err != nil {
		t.Fatal(err)
	}
	pool.Reset() // new connections, in Paris
	for _, age := range []time.Duration{200 * 24 * time.Hour, time.Hour} {
		if _, err := pool.Exec(ctx, `INSERT INTO audit_log (at, actor, action, structure_id) VALUES ($1, 'prof.martin', 'download', '0600001A')`,
			time.Now().Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrations.To(ctx, pool, 40); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	bound := time.Date(now.Year(), now.Month()+2, 1, 0, 0, 0, 0, time.UTC)
	upto := "audit_log_upto_" + bound.Format("y2006m01")
	logAt := func(at time.Time) (partition string, id int64) {
		t.Helper()
		if err := pool.QueryRow(ctx, `INSERT INTO audit_log (at, actor, action) VALUES ($1, 'eleve.6a.01', 'download')
			RETURNING tableoid::regclass::text, id`, at).Scan(&partition, &id); err != nil {
			t.Fatal(err)
		}
		return partition, id
	}
	var oldMax int64
	if err := pool.QueryRow(ctx, `SELECT max(id) FROM audit_log`).Scan(&oldMax); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"now", now, upto},
		{"half an hour before the bound, UTC (Paris is already past it)", bound.Add(-30 * time.Minute), upto},
		{"the bound", bound, bound.Format("audit_log_y2006m01")},
		{"a month past the partitions made", bound.AddDate(0, 2, 0), "audit_log_default"},
	}
	for _, tt := range tests {
		if p, id := logAt(tt.at); p != tt.want || id <= oldMax {
			t.Errorf("%s: a line went to %s with id %d, want %s and an id after %d", tt.name, p, id, tt.want, oldMax)
		}
	}
	var inUpto int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+upto).Scan(&inUpto); err != nil || inUpto != 4 {
		t.Errorf("%d lines in %s (%v), want the 2 old ones and 2 new", inUpto, upto, err)
	}
	var leftovers int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_class WHERE relname = 'audit_log_partitioning')
		+ (SELECT count(*) FROM pg_constraint WHERE conname = 'audit_log_before_partitioning')`).Scan(&leftovers); err != nil || leftovers != 0 {
		t.Errorf("the steps' helper table or constraint left behind (%v)", err)
	}
	if err := migrations.To(ctx, pool, 37); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 6 {
		t.Errorf("%d lines after going back down (%v), want 6", n, err)
	}
	if err := migrations.To(ctx, pool, 40); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
