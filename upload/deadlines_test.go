package upload

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"
)

// TestInterruptedPatchKeepsItsConnectionUsable: a PATCH that has read its whole body
// and is then stopped by tusd, because another request takes its upload's lock over,
// must not leave its keep-alive connection with a canceled context: the next request
// on that connection (the client asking the offset) must start alive.
//
// tusd stops it by setting the connection's read deadline to now; with the body read,
// only net/http's background read is there to fail, and net/http cancels the
// connection's context, of which every later request's context descends. The store
// below holds the PATCH until tusd has stopped it and, if the deadline reached the
// connection, until net/http has reacted to it: the outcome does not depend on timing.
func TestInterruptedPatchKeepsItsConnectionUsable(t *testing.T) {
	srv, st := newInterruptServer(t)
	clientA := &http.Client{Transport: &http.Transport{}}
	clientB := &http.Client{Transport: &http.Transport{}}
	defer clientA.CloseIdleConnections()
	defer clientB.CloseIdleConnections()

	patchA := make(chan int, 1)
	go func() { patchA <- tusPatch(t, clientA, srv.URL, 64<<10) }()
	waitFor(t, st.heldRead, "the first PATCH to read its body")
	if status := tusPatch(t, clientB, srv.URL, 10); status != http.StatusNoContent {
		t.Fatalf("the PATCH taking the upload over: %d", status)
	}
	if status := <-patchA; status < 400 {
		t.Fatalf("the PATCH taken over answered %d, not an error", status)
	}

	var reused bool
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodHead, srv.URL+"/up", nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	res, err := clientA.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !reused {
		t.Fatal("the HEAD did not reuse the connection of the PATCH taken over: nothing was tested")
	}
	if st.bornCanceled.Load() {
		t.Fatal("the HEAD on the connection of the PATCH taken over started with its context canceled")
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("HEAD: %d", res.StatusCode)
	}
}

// TestPastReadDeadlineClosesConnection: a request whose connection's read was cut
// short by a deadline in the past (its body not read whole) closes its connection
// after its answer, lest net/http have canceled the connection's context meanwhile.
func TestPastReadDeadlineClosesConnection(t *testing.T) {
	req := httptest.NewRequest(http.MethodPatch, "/api/v1/uploads/x", bytes.NewReader(make([]byte, 10)))
	w := httptest.NewRecorder()
	a, _ := newAnswer(w, req, nil)
	_ = http.NewResponseController(a).SetReadDeadline(time.Now())
	a.WriteHeader(http.StatusNoContent)
	a.finish()
	if got := w.Header().Get("Connection"); got != "close" {
		t.Fatalf("Connection: %q, want close", got)
	}
}

// interruptStore is a tusd store of one upload, "up", whose first WriteChunk reads
// its body whole, then waits until tusd stops its request (by closing the body) and,
// if tusd's deadline in the past reached the connection, until net/http has canceled
// the request.
type interruptStore struct {
	t            *testing.T
	held         atomic.Bool
	heldRead     chan struct{}
	bornCanceled atomic.Bool
}

type httpCtxKey struct{}

// hold is what a request's WriteChunk needs to wait for its end.
type hold struct {
	httpCtx context.Context // net/http's context of the request
	closed  chan struct{}   // the body was closed (by tusd stopping the request)
	// pastDeadline is set when a read deadline in the past reached the connection.
	pastDeadline atomic.Bool
}

func (s *interruptStore) NewUpload(context.Context, tusd.FileInfo) (tusd.Upload, error) {
	return nil, tusd.ErrNotImplemented
}

func (s *interruptStore) GetUpload(context.Context, string) (tusd.Upload, error) {
	return interruptUpload{s}, nil
}

type interruptUpload struct{ s *interruptStore }

func (u interruptUpload) GetInfo(context.Context) (tusd.FileInfo, error) {
	return tusd.FileInfo{ID: "up", Size: 1 << 20, MetaData: tusd.MetaData{}}, nil
}

func (u interruptUpload) WriteChunk(ctx context.Context, _ int64, src io.Reader) (int64, error) {
	n, err := io.Copy(io.Discard, src)
	if !u.s.held.CompareAndSwap(false, true) {
		return n, err
	}
	h := ctx.Value(httpCtxKey{}).(*hold)
	close(u.s.heldRead)
	waitFor(u.s.t, h.closed, "tusd to stop the first PATCH")
	if h.pastDeadline.Load() {
		waitFor(u.s.t, h.httpCtx.Done(), "net/http to react to the deadline")
	}
	return n, err
}

func (u interruptUpload) GetReader(context.Context) (io.ReadCloser, error) {
	return nil, tusd.ErrNotImplemented
}

func (u interruptUpload) FinishUpload(context.Context) error { return nil }

// newInterruptServer serves tusd's PATCH and HEAD of the upload "up" behind an
// answer, as Service.ServeHTTP does.
func newInterruptServer(t *testing.T) (*httptest.Server, *interruptStore) {
	st := &interruptStore{t: t, heldRead: make(chan struct{})}
	composer := tusd.NewStoreComposer()
	composer.UseCore(st)
	memorylocker.New().UseIn(composer)
	h, err := tusd.NewUnroutedHandler(tusd.Config{StoreComposer: composer, BasePath: "/",
		Logger: expslog.New(expslog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	routes := h.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			h.PatchFile(w, r)
		} else {
			h.HeadFile(w, r)
		}
	}))
	problem := func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusConflict) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && r.Context().Err() != nil {
			st.bornCanceled.Store(true)
		}
		hd := &hold{httpCtx: r.Context(), closed: make(chan struct{})}
		if r.Body != nil {
			r.Body = &closeSignal{ReadCloser: r.Body, closed: hd.closed}
		}
		a, r := newAnswer(&deadlineWatch{ResponseWriter: w, hold: hd}, r, problem)
		defer a.finish()
		routes.ServeHTTP(a, r.WithContext(context.WithValue(r.Context(), httpCtxKey{}, hd)))
	}))
	t.Cleanup(srv.Close)
	return srv, st
}

// deadlineWatch notes the read deadlines in the past that reach the connection.
type deadlineWatch struct {
	http.ResponseWriter
	hold *hold
}

func (w *deadlineWatch) SetReadDeadline(t time.Time) error {
	if !t.IsZero() && !t.After(time.Now()) {
		w.hold.pastDeadline.Store(true)
	}
	return http.NewResponseController(w.ResponseWriter).SetReadDeadline(t)
}

func (w *deadlineWatch) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type closeSignal struct {
	io.ReadCloser
	closed chan struct{}
	once   sync.Once
}

func (b *closeSignal) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() { close(b.closed) })
	return err
}

func tusPatch(t *testing.T, c *http.Client, base string, size int) int {
	req, _ := http.NewRequest(http.MethodPatch, base+"/up", bytes.NewReader(make([]byte, size)))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	res, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// waitFor waits for done; the bound only keeps a broken test from hanging.
func waitFor(t *testing.T, done <-chan struct{}, what string) {
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("gave up waiting for %s", what)
	}
}
