package live

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/db"
	"cartable/pgtest"
)

func TestParsePayload(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	tests := []struct {
		name    string
		payload string
		want    []uuid.UUID
	}{
		{"one id (a NOTIFY in a transaction)", a.String(), []uuid.UUID{a}},
		{"a batch", a.String() + "," + b.String(), []uuid.UUID{a, b}},
		{"garbage skipped", "nope," + b.String() + ",", []uuid.UUID{b}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parsePayload(tt.payload); !slices.Equal(got, tt.want) {
				t.Errorf("parsePayload(%q) = %v, want %v", tt.payload, got, tt.want)
			}
		})
	}
}

// heard listens on the channel of pool's database and returns a function that waits until want ids
// were heard (or a few seconds passed) and returns them with the notices count.
func heard(t *testing.T, pool *pgxpool.Pool) func(want int) ([]uuid.UUID, int) {
	t.Helper()
	conn, err := pgx.ConnectConfig(t.Context(), pool.Config().ConnConfig.Copy())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(t.Context(), "LISTEN "+Channel); err != nil {
		t.Fatal(err)
	}
	return func(want int) ([]uuid.UUID, int) {
		var ids []uuid.UUID
		notices := 0
		for len(ids) < want {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			n, err := conn.WaitForNotification(ctx)
			cancel()
			if err != nil {
				break
			}
			notices++
			ids = append(ids, parsePayload(n.Payload)...)
		}
		return ids, notices
	}
}

// TestAnnouncerSendsAfterTheCommitTogether: the changes of many transactions of
// the jobs leave after their commits, several to a NOTIFY; a transaction rolled
// back announces nothing.
func TestAnnouncerSendsAfterTheCommitTogether(t *testing.T) {
	pool := pgtest.New(t)
	listen := heard(t, pool)
	a := NewAnnouncer(pool, slog.New(slog.DiscardHandler))
	defer a.Close()
	ctx := WithAnnouncer(t.Context(), a)

	const n = 300 // more than fit in one payload
	var sent []uuid.UUID
	for range n {
		blob := uuid.New()
		sent = append(sent, blob)
		if err := db.Transact(ctx, pool, func(tx pgx.Tx) error { return NotifyTx(ctx, tx, blob) }); err != nil {
			t.Fatal(err)
		}
	}
	rolledBack := uuid.New()
	errNo := errors.New("no")
	if err := db.Transact(ctx, pool, func(tx pgx.Tx) error {
		if err := NotifyTx(ctx, tx, rolledBack); err != nil {
			return err
		}
		return errNo
	}); !errors.Is(err, errNo) {
		t.Fatal(err)
	}
	got, notices := listen(n + 1)
	slices.SortFunc(got, func(x, y uuid.UUID) int { return strings.Compare(x.String(), y.String()) })
	slices.SortFunc(sent, func(x, y uuid.UUID) int { return strings.Compare(x.String(), y.String()) })
	if !slices.Equal(got, sent) {
		t.Errorf("heard %d ids, want the %d committed (and not the one rolled back)", len(got), len(sent))
	}
	if notices >= n/2 {
		t.Errorf("%d ids came in %d notices: not sent together", n, notices)
	}
}

// TestNotifyWithoutAnnouncer: outside the jobs (no announcer in the context) the
// change leaves with its transaction's commit, as a NOTIFY of its own.
func TestNotifyWithoutAnnouncer(t *testing.T) {
	pool := pgtest.New(t)
	listen := heard(t, pool)
	blob := uuid.New()
	if err := db.Transact(t.Context(), pool, func(tx pgx.Tx) error { return NotifyTx(t.Context(), tx, blob) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := listen(1); !slices.Equal(got, []uuid.UUID{blob}) {
		t.Errorf("heard %v, want %v", got, blob)
	}
}

// TestAnnouncerCloseSendsThePending: a process that stops sends what its last
// jobs committed before its pool closes.
func TestAnnouncerCloseSendsThePending(t *testing.T) {
	pool := pgtest.New(t)
	listen := heard(t, pool)
	a := NewAnnouncer(pool, slog.New(slog.DiscardHandler))
	blob := uuid.New()
	a.Announce(blob)
	a.Close()
	if got, _ := listen(1); !slices.Equal(got, []uuid.UUID{blob}) {
		t.Errorf("heard %v, want %v", got, blob)
	}
	a.Close() // twice: no panic
}
