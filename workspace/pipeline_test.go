package workspace_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"cartable/workspace"
)

// trickle is a request body the test feeds by hand.
type trickle struct{ chunks chan []byte }

func (t trickle) Read(p []byte) (int, error) {
	chunk, ok := <-t.chunks
	if !ok {
		return 0, io.EOF
	}
	return copy(p, chunk), nil
}

// TestUploadLeaseFollowsTheBytes: a single-request upload holds its quota on a
// short lease, renewed while its bytes flow and not while they stall, so the quota
// of a request that stopped (or whose node died) comes back within minutes.
func TestUploadLeaseFollowsTheBytes(t *testing.T) {
	const lease = time.Second
	w := newWorld(t, workspace.Config{UploadLease: lease})
	body := trickle{chunks: make(chan []byte)}
	done := make(chan error, 1)
	go func() {
		_, err := w.ws.UploadFile(w.ctx, w.teacher, w.home(w.teacher), workspace.Upload{Name: "lent.bin", Body: body, Size: -1, SizeAtMost: 1 << 20}, workspace.WriteOptions{})
		done <- err
	}()
	deadline := func() (at time.Time) {
		t.Helper()
		if err := w.pool.QueryRow(w.ctx, `SELECT expires_at FROM quota_reservations`).Scan(&at); err != nil {
			t.Fatalf("the upload's reservation: %v", err)
		}
		return at
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(30 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("never %s", what)
			}
		}
	}
	waitFor("reserved", func() bool { return w.count(`SELECT count(*) FROM quota_reservations`) == 1 })
	first := deadline()
	if until := time.Until(first); until > lease+time.Second {
		t.Fatalf("reservation held for %s, want the lease of %s", until, lease)
	}

	// Bytes flow: the lease moves on.
	for deadline().Equal(first) {
		body.chunks <- []byte("a")
		time.Sleep(lease / 10)
		if time.Since(first) > 30*time.Second {
			t.Fatal("the lease was never renewed while bytes flowed")
		}
	}
	// The bytes stall: past the one renewal that counts the last bytes, the lease
	// stays where it is, however long one waits.
	time.Sleep(2 * lease)
	stalled := deadline()
	time.Sleep(2 * lease)
	if !deadline().Equal(stalled) {
		t.Error("the lease was renewed while no byte came")
	}
	body.chunks <- []byte("z")
	close(body.chunks)
	if err := <-done; err != nil {
		t.Fatalf("upload: %v", err)
	}
	if !bytes.Equal(w.read(w.teacher, w.upload(w.teacher, w.home(w.teacher), "témoin.bin", []byte("x")).ID), []byte("x")) {
		t.Fatal("a later upload failed")
	}
}
