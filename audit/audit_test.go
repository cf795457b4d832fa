package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/pgtest"
	"cartable/quota"
)

// TestWhoReadsWhichLog: the region reads every log, a local admin their
// structures' only (another is not found), and only the region the whole log.
func TestWhoReadsWhichLog(t *testing.T) {
	local := quota.Admin{Caller: &cartable.Caller{UserID: "admin.college",
		Structures: []cartable.StructureMembership{{StructureID: "0600001A", LocalAdmin: true}, {StructureID: "0600002B"}}}}
	for _, tc := range []struct {
		name      string
		admin     quota.Admin
		structure string
		want      cartable.Code
	}{
		{"region, a structure", quota.Admin{Region: true}, "0600001A", ""},
		{"region, the whole log", quota.Admin{Region: true}, "", ""},
		{"local admin, their structure", local, "0600001A", ""},
		{"local admin, a structure they only belong to", local, "0600002B", cartable.ENotFound},
		{"local admin, the whole log", local, "", cartable.EForbidden},
		{"nobody", quota.Admin{}, "0600001A", cartable.ENotFound},
	} {
		err := mayRead(tc.admin, tc.structure)
		if (tc.want == "" && err != nil) || (tc.want != "" && !cartable.IsCode(err, tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestFilterCheck(t *testing.T) {
	now := time.Now()
	if err := (Filter{Action: "peek"}).Check(); !cartable.IsCode(err, cartable.EInvalid) {
		t.Errorf("unknown action: %v", err)
	}
	if err := (Filter{From: now, To: now}).Check(); !cartable.IsCode(err, cartable.EInvalid) {
		t.Errorf("empty interval: %v", err)
	}
	if err := (Filter{Action: Download, From: now, To: now.Add(time.Hour)}).Check(); err != nil {
		t.Errorf("a good filter: %v", err)
	}
}

// TestListSQLUsesOnlyTheConditionsAskedFor: a structure's page is a scan of its
// index, with no "OR $n IS NULL" that would hide it from the planner.
func TestListSQLUsesOnlyTheConditionsAskedFor(t *testing.T) {
	sql, args := listSQL("0600001A", Filter{Action: Share}, true, logKey{At: time.Now(), ID: 7}, 101)
	if !strings.Contains(sql, "WHERE structure_id = $1 AND action = $2 AND (at, id) < ($3, $4) ORDER BY at DESC, id DESC LIMIT $5") || len(args) != 5 {
		t.Errorf("sql %q with %d args", sql, len(args))
	}
	// The actor's name is a subquery of its own; the log's rows are not filtered.
	if sql, args := listSQL("", Filter{}, false, logKey{}, 11); strings.Contains(sql[strings.Index(sql, "FROM audit_log"):], "WHERE") || len(args) != 1 {
		t.Errorf("the whole log: %q with %d args", sql, len(args))
	}
}

// TestRecordAndList on PostgreSQL: the address comes from the context, a bad one is
// left out rather than failing the write, and pages go newest first.
func TestRecordAndList(t *testing.T) {
	pool := pgtest.New(t)
	ctx := WithAddress(context.Background(), "::ffff:203.0.113.7")
	item := uuid.Must(uuid.NewV7())
	for _, action := range []string{Share, Download, Trash} {
		if err := Record(ctx, pool, Entry{Actor: "prof.martin", Action: action, ItemID: item, ItemName: "Cours", StructureID: "0600001A",
			Details: map[string]any{"n": action}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := Record(WithAddress(context.Background(), "not an address"), pool, Entry{Actor: "x", Action: Purge, StructureID: "0600002B"}); err != nil {
		t.Fatalf("a bad address fails the write: %v", err)
	}
	region := quota.Admin{Region: true}
	page, err := List(context.Background(), pool, region, "0600001A", Filter{}, cartable.PageRequest{Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Items[0].Action != Trash || page.Items[1].Action != Download || page.NextCursor == "" {
		t.Fatalf("first page %+v, %v", page, err)
	}
	if page.Items[0].Address != "203.0.113.7" || page.Items[0].Details["n"] != Trash {
		t.Errorf("entry %+v", page.Items[0])
	}
	next, err := List(context.Background(), pool, region, "0600001A", Filter{}, cartable.PageRequest{Limit: 2, Cursor: page.NextCursor})
	if err != nil || len(next.Items) != 1 || next.Items[0].Action != Share || next.NextCursor != "" {
		t.Fatalf("second page %+v, %v", next, err)
	}
	other, err := List(context.Background(), pool, region, "0600002B", Filter{}, cartable.PageRequest{})
	if err != nil || len(other.Items) != 1 || other.Items[0].Address != "" {
		t.Fatalf("the other structure %+v, %v", other, err)
	}
}

// BenchmarkRecord measures one write of the log, as a download makes it: one
// INSERT through the pool.
func BenchmarkRecord(b *testing.B) {
	pool := pgtest.New(b)
	ctx := WithAddress(context.Background(), "198.51.100.23")
	e := Entry{Actor: "eleve.6a.01", Action: Download, ItemID: uuid.Must(uuid.NewV7()), ItemName: "fiche.txt",
		SpaceID: uuid.Must(uuid.NewV7()), StructureID: "0600001A", Details: map[string]any{"version_id": uuid.Must(uuid.NewV7())}}
	for b.Loop() {
		if err := Record(ctx, pool, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTrip is the floor BenchmarkRecord compares to: one statement that
// writes nothing, through the same pool.
func BenchmarkRoundTrip(b *testing.B) {
	pool := pgtest.New(b)
	for b.Loop() {
		if _, err := pool.Exec(context.Background(), `SELECT 1`); err != nil {
			b.Fatal(err)
		}
	}
}
