package db_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"cartable/db"
	"cartable/pgtest"
)

// TestAfterCommit: a function given to a transaction's AfterCommit runs once it
// committed, never when it rolled back, and once for a transaction retried after
// a serialization failure (only the attempt that committed).
func TestAfterCommit(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	after := func(tx pgx.Tx, ran *atomic.Int32) {
		tx.(interface{ AfterCommit(func()) }).AfterCommit(func() { ran.Add(1) })
	}
	var committed, rolledBack, retried atomic.Int32
	if err := db.Transact(ctx, pool, func(tx pgx.Tx) error { after(tx, &committed); return nil }); err != nil {
		t.Fatal(err)
	}
	errNo := errors.New("no")
	if err := db.Transact(ctx, pool, func(tx pgx.Tx) error { after(tx, &rolledBack); return errNo }); !errors.Is(err, errNo) {
		t.Fatal(err)
	}
	attempts := 0
	if err := db.Transact(ctx, pool, func(tx pgx.Tx) error {
		after(tx, &retried)
		if attempts++; attempts == 1 {
			_, err := tx.Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$`)
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if committed.Load() != 1 || rolledBack.Load() != 0 || retried.Load() != 1 {
		t.Errorf("ran after the commit %d, the rollback %d, the retried transaction %d times; want 1, 0, 1",
			committed.Load(), rolledBack.Load(), retried.Load())
	}
}

// TestAfterCommitNested: in a transaction nested in another (a savepoint), the
// function waits for the outer commit, and never runs if the outer rolls back.
func TestAfterCommitNested(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	for _, outerFails := range []bool{false, true} {
		var ran atomic.Int32
		errOuter := errors.New("outer")
		err := db.Transact(ctx, pool, func(outer pgx.Tx) error {
			if err := db.Transact(ctx, outer, func(inner pgx.Tx) error {
				inner.(interface{ AfterCommit(func()) }).AfterCommit(func() { ran.Add(1) })
				return nil
			}); err != nil {
				return err
			}
			if ran.Load() != 0 {
				t.Error("ran when the savepoint was released, before the outer commit")
			}
			if outerFails {
				return errOuter
			}
			return nil
		})
		if outerFails != errors.Is(err, errOuter) {
			t.Fatal(err)
		}
		if want := map[bool]int32{false: 1, true: 0}[outerFails]; ran.Load() != want {
			t.Errorf("outer fails %v: ran %d times, want %d", outerFails, ran.Load(), want)
		}
	}
}
