package audit

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"cartable/pgtest"
)

func TestParsePartition(t *testing.T) {
	dec, jan := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		want partition
		ok   bool
	}{
		{"audit_log_y2026m12", partition{name: "audit_log_y2026m12", from: dec, until: jan}, true},
		{"audit_log_upto_y2026m12", partition{name: "audit_log_upto_y2026m12", until: dec}, true},
		{"audit_log_default", partition{}, false},
		{"audit_log_y2026m13", partition{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parsePartition(tt.name)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("parsePartition(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMonthsToCreate(t *testing.T) {
	month := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
	upto := partition{name: "audit_log_upto_y2026m12", until: month(2026, 12)}
	dec := partition{name: "audit_log_y2026m12", from: month(2026, 12), until: month(2027, 1)}
	feb := partition{name: "audit_log_y2027m02", from: month(2027, 2), until: month(2027, 3)}
	now := time.Date(2026, 12, 24, 23, 30, 0, 0, time.FixedZone("Paris", 3600)) // still December in UTC
	tests := []struct {
		name     string
		existing []partition
		now      time.Time
		want     []time.Time
	}{
		{"after the migration: up to two months ahead", []partition{upto, dec}, now, []time.Time{month(2027, 1), month(2027, 2)}},
		{"all there", []partition{upto, dec, feb}, now, nil},
		{"the job stopped for months: from now's month (the past ones' lines are in the default partition)", []partition{upto, dec}, month(2027, 4), []time.Time{
			month(2027, 4), month(2027, 5), month(2027, 6)}},
		{"none at all: this month and two ahead", nil, now, []time.Time{month(2026, 12), month(2027, 1), month(2027, 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monthsToCreate(tt.existing, tt.now); !slices.Equal(got, tt.want) {
				t.Errorf("monthsToCreate = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPurgeDropsWholeMonths: months wholly past the retention are dropped, their
// lines counted; a line of a month without a partition lands in the default one
// and is purged in batches all the same.
func TestPurgeDropsWholeMonths(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	m0 := monthOf(time.Now())
	month := func(i int) time.Time { return m0.AddDate(0, i, 0) }
	if err := EnsurePartitions(ctx, pool, month(2)); err != nil { // up to month(4)
		t.Fatal(err)
	}
	logAt := func(at time.Time, name string) {
		t.Helper()
		if _, err := pool.Exec(ctx, `INSERT INTO audit_log (at, actor, action, item_name) VALUES ($1, 'prof.martin', 'download', $2)`, at, name); err != nil {
			t.Fatal(err)
		}
	}
	logAt(m0.AddDate(0, 0, -300), "long ago")
	logAt(month(0).AddDate(0, 0, 10), "this month")
	logAt(month(1).AddDate(0, 0, 10), "next month")
	logAt(month(2).AddDate(0, 0, 1), "in two months, day 2")
	logAt(month(4).AddDate(0, 0, 10), "in four months")
	logAt(month(30), "beyond the partitions") // the default partition

	n, err := PurgeBefore(ctx, pool, month(2).AddDate(0, 0, 5))
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("purged %d lines, want 4 (3 in dropped months, 1 deleted)", n)
	}
	left, err := partitions(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range left {
		names = append(names, p.name)
	}
	if len(left) == 0 || left[0].name != monthName(month(2)) {
		t.Errorf("partitions left %v, want the first to be %s", names, monthName(month(2)))
	}
	var kept []string
	rows, _ := pool.Query(ctx, `SELECT item_name FROM audit_log ORDER BY at`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		kept = append(kept, s)
	}
	if want := []string{"in four months", "beyond the partitions"}; !slices.Equal(kept, want) {
		t.Errorf("kept %v, want %v", kept, want)
	}

	// The month of the line in the default partition cannot get a partition: said.
	err = EnsurePartitions(ctx, pool, month(30))
	if err == nil || !strings.Contains(err.Error(), monthOf(month(30)).Format("2006-01")) {
		t.Errorf("EnsurePartitions over a month whose line is in the default partition: %v, want its error", err)
	}
	if n, err := PurgeBefore(ctx, pool, month(31)); err != nil || n != 2 {
		t.Errorf("purge past every line: %d (%v), want 2", n, err)
	}
}

// TestPurgeDoesNotQueueWritesBehindADrop: while a long read holds the log, the
// drop gives up after its lock timeout instead of making every download's line
// wait behind it, and leaves the month whole (no line-by-line delete); the next
// run drops it. Creating a partition gives up the same way.
func TestPurgeDoesNotQueueWritesBehindADrop(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	m0 := monthOf(time.Now())
	month := func(i int) time.Time { return m0.AddDate(0, i, 0) }
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (at, actor, action) VALUES ($1, 'x', 'download')`, month(2).AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	reader, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Exec(ctx, `LOCK TABLE audit_log IN ACCESS SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	cutoff := month(3).AddDate(0, 0, 1) // month(2)'s partition is past it
	n, err := PurgeBefore(ctx, pool, cutoff)
	if err != nil || n != 0 {
		t.Errorf("purge while the log is read: %d (%v), want none (the drop postponed, its month not deleted line by line)", n, err)
	}
	if err := EnsurePartitions(ctx, pool, month(1)); err == nil || !strings.Contains(err.Error(), "postponed") {
		t.Errorf("creating a partition while the log is read: %v, want it postponed", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (actor, action) VALUES ('y', 'download')`); err != nil {
		t.Errorf("a line logged after the drop gave up: %v", err)
	}
	if err := reader.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := partitions(ctx, pool)
	if n, err := PurgeBefore(ctx, pool, cutoff); err != nil || n != 2 {
		t.Errorf("the next run purged %d (%v), want 2: the line of month(2) and the one logged meanwhile (this month's), in the months it dropped", n, err)
	}
	after, _ := partitions(ctx, pool)
	if len(after) >= len(before) {
		t.Errorf("the next run dropped nothing: %d partitions before, %d after", len(before), len(after))
	}
}
