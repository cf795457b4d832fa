package migrations_test

import (
	"context"
	"testing"
	"time"

	"cartable/migrations"
	"cartable/pgtest"
)

// TestAuditLogByMonth: migration 38 partitions the audit log by month without
// copying it: the lines logged before stay, in the partition of everything
// before this month; new lines go to this month's, with ids after the old
// ones'; and going back down keeps every line.
func TestAuditLogByMonth(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	if err := migrations.To(ctx, pool, 37); err != nil {
		t.Fatal(err)
	}
	for _, age := range []time.Duration{200 * 24 * time.Hour, time.Hour} {
		if _, err := pool.Exec(ctx, `INSERT INTO audit_log (at, actor, action, structure_id) VALUES ($1, 'prof.martin', 'download', '0600001A')`,
			time.Now().Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrations.To(ctx, pool, 38); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (actor, action, structure_id) VALUES ('eleve.6a.01', 'download', '0600001A')`); err != nil {
		t.Fatalf("a line logged after the migration: %v", err)
	}
	this := time.Now().UTC()
	firstOfMonth := time.Date(this.Year(), this.Month(), 1, 0, 0, 0, 0, time.UTC)
	nextMonth := firstOfMonth.AddDate(0, 1, 0)
	rows, err := pool.Query(ctx, `SELECT tableoid::regclass::text, id FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var partitions []string
	var ids []int64
	for rows.Next() {
		var p string
		var id int64
		if err := rows.Scan(&p, &id); err != nil {
			t.Fatal(err)
		}
		partitions, ids = append(partitions, p), append(ids, id)
	}
	if len(ids) != 3 {
		t.Fatalf("%d lines after the migration, want 3: %v", len(ids), partitions)
	}
	// The old table took in this month's lines: it is the partition of
	// everything before next month, and this month's new lines go on into it.
	upto := "audit_log_upto_" + nextMonth.Format("y2006m01")
	for i, p := range partitions {
		if p != upto {
			t.Errorf("line %d is in %s, want %s", i, p, upto)
		}
	}
	if ids[2] <= ids[1] {
		t.Errorf("the new line's id %d is not after the old ones' %v", ids[2], ids[:2])
	}
	for i := 1; i <= 2; i++ {
		name := firstOfMonth.AddDate(0, i, 0).Format("audit_log_y2006m01")
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil || !exists {
			t.Errorf("partition %s missing (%v)", name, err)
		}
	}
	// A line of next month goes to its own partition.
	var p string
	if err := pool.QueryRow(ctx, `INSERT INTO audit_log (at, actor, action) VALUES ($1, 'x', 'download') RETURNING tableoid::regclass::text`,
		nextMonth.Add(time.Hour)).Scan(&p); err != nil || p != nextMonth.Format("audit_log_y2006m01") {
		t.Errorf("next month's line went to %q (%v)", p, err)
	}
	if err := migrations.To(ctx, pool, 37); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 4 {
		t.Errorf("%d lines after going back down (%v), want 4", n, err)
	}
	if err := migrations.To(ctx, pool, 38); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
