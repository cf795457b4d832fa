package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cartable/db"
)

// The audit log is partitioned by month of its lines' time, in UTC (migrations
// 38 to 40): the retention job drops a month past the retention whole, where deleting
// its lines would be the heaviest vacuum work of the database at the region's
// scale. A partition's name says what it holds:
//
//	audit_log_y2027m01       the lines of January 2027
//	audit_log_upto_y2026m12  every line before December 2026 (the table of the
//	                         lines logged before the log was partitioned)
//	audit_log_default        a line whose month has no partition (the job did
//	                         not run for months): a write never fails for want of one
const (
	monthPrefix      = "audit_log_y"
	uptoPrefix       = "audit_log_upto_y"
	monthLayout      = "2006m01"
	defaultPartition = "audit_log_default"
)

// monthsAhead is how many months after this one have their partition ready.
const monthsAhead = 2

// dropLockTimeout bounds the wait for the lock a partition's drop takes on the
// whole log: every download writes to it, and they would queue behind a drop
// that waits. A drop that times out is tried again at the job's next run.
const dropLockTimeout = "2s"

// partition is one partition of the log and the times it holds, [from, until); a
// zero from is the start of time.
type partition struct {
	name        string
	from, until time.Time
}

// parsePartition reads a partition's bounds from its name; ok is false for the
// default partition (and any other).
func parsePartition(name string) (partition, bool) {
	if rest, ok := strings.CutPrefix(name, uptoPrefix); ok {
		until, err := time.Parse(monthLayout, rest)
		return partition{name: name, until: until}, err == nil
	}
	if rest, ok := strings.CutPrefix(name, monthPrefix); ok {
		from, err := time.Parse(monthLayout, rest)
		return partition{name: name, from: from, until: from.AddDate(0, 1, 0)}, err == nil
	}
	return partition{}, false
}

// monthName is the name of the partition of the month that begins at m.
func monthName(m time.Time) string { return monthPrefix + m.UTC().Format(monthLayout) }

// monthOf is the first instant of t's month, in UTC.
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// partitions lists the log's partitions by their bounds, the earliest first.
func partitions(ctx context.Context, q db.DBTX) ([]partition, error) {
	rows, err := q.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'audit_log'::regclass`)
	if err != nil {
		return nil, fmt.Errorf("list the audit log's partitions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list the audit log's partitions: %w", err)
	}
	var out []partition
	for _, name := range names {
		if p, ok := parsePartition(name); ok {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b partition) int { return a.until.Compare(b.until) })
	return out, nil
}

// monthsToCreate are the months whose partition is missing: from the last
// partition's end, or from now's month when that is past (the months between
// have their lines in the default partition already), up to monthsAhead after
// now's.
func monthsToCreate(existing []partition, now time.Time) []time.Time {
	first := monthOf(now)
	if len(existing) > 0 && existing[len(existing)-1].until.After(first) {
		first = existing[len(existing)-1].until
	}
	var out []time.Time
	for m := first; !m.After(monthOf(now).AddDate(0, monthsAhead, 0)); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// EnsurePartitions creates the partitions of the months ahead (monthsToCreate).
// A month whose lines went to the default partition meanwhile cannot get one
// (PostgreSQL refuses): its lines stay there, where the batched purge deletes them
// in time, the months after it are made all the same, and the error says so. A
// creation locks the whole log: one that waits for its lock past
// dropLockTimeout gives up until the next run, so that writes never queue
// behind it.
func EnsurePartitions(ctx context.Context, q db.DBTX, now time.Time) error {
	existing, err := partitions(ctx, q)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range monthsToCreate(existing, now) {
		err := withLockTimeout(ctx, q, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF audit_log FOR VALUES FROM ('%s') TO ('%s')`,
				pgx.Identifier{monthName(m)}.Sanitize(), m.Format(time.RFC3339), m.AddDate(0, 1, 0).Format(time.RFC3339)))
			return err
		})
		switch {
		case lockTimedOut(err):
			return errors.Join(append(errs, fmt.Errorf("create the audit log's partition of %s: postponed: %w", m.Format("2006-01"), err))...)
		case err != nil:
			errs = append(errs, fmt.Errorf("create the audit log's partition of %s: %w", m.Format("2006-01"), err))
		}
	}
	return errors.Join(errs...)
}

// withLockTimeout runs fn in a transaction whose locks are waited for
// dropLockTimeout at most.
func withLockTimeout(ctx context.Context, q db.DBTX, fn func(tx pgx.Tx) error) error {
	return db.Transact(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '`+dropLockTimeout+`'`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// dropBefore drops the partitions whose every line is older than before, and
// returns how many lines they held (counted first: a sequential read of a month
// no one reads any more, far cheaper than deleting its lines). A drop that waits
// for its lock past dropLockTimeout is postponed to the next run, its partition
// and the later ones left whole (postponed says so): deleting their lines one by
// one is the work the drop saves.
func dropBefore(ctx context.Context, q db.DBTX, before time.Time) (dropped int64, postponed bool, err error) {
	existing, err := partitions(ctx, q)
	if err != nil {
		return 0, false, err
	}
	for _, p := range existing {
		if p.until.After(before) {
			break
		}
		var n int64
		err := withLockTimeout(ctx, q, func(tx pgx.Tx) error {
			name := pgx.Identifier{p.name}.Sanitize()
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+name).Scan(&n); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DROP TABLE `+name)
			return err
		})
		if lockTimedOut(err) {
			return dropped, true, nil
		}
		if err != nil {
			return dropped, false, fmt.Errorf("drop the audit log's partition %s: %w", p.name, err)
		}
		dropped += n
	}
	return dropped, false, nil
}

func lockTimedOut(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03" // lock_not_available
}
