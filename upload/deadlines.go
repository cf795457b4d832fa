package upload

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// connGuard decides which of the deadlines tusd (and the checksum spool) sets reach
// the request's connection.
//
// tusd stops a request whose upload another request takes over by setting the read
// deadline of its connection to now (tusd v2.9.1 pkg/handler/body_reader.go:142,
// bodyReader.closeWithError, called at context.go:66 by a goroutine of newContext
// once the lock's release callback, unrouted_handler.go:1456, has canceled the
// request), so that a pending read of the body ends at once. Every read of the body also pushes
// the read deadline back (body_reader.go:60, onReadDone), the last one too. But once
// the body has been read to its end, the only reader of the connection is net/http's
// background read, which watches for the client going away: a deadline that expires
// under it makes net/http cancel the connection's context (net/http server.go,
// connReader.backgroundRead → handleReadErrorLocked → conn.cancelCtx), and yet keep
// the connection alive when the request's body was read whole. The contexts of every
// later request on that connection descend from the canceled one: they start
// canceled, and the requests fail at once ("load caller …: context canceled").
//
// So a read deadline reaches the connection only while the body is being read and
// the answer has not begun: then it has a read to bound or to interrupt. If one in
// the past got through, the answer closes the connection (HTTP/1), whose context
// may be canceled by then. No deadline reaches the connection once the request is
// over: it would bound the connection's next request.
type connGuard struct {
	mu sync.Mutex
	// bodyRead is set once the body has been read to its end, has failed or has been
	// closed (or when there is none): nothing of this request reads the connection.
	bodyRead bool
	// interrupted is set when a read deadline in the past reached the connection.
	interrupted bool
	// begun is set when the answer's header is about to go out.
	begun bool
	// over is set when the request has been answered.
	over bool
}

// SetReadDeadline lets http.ResponseController (tusd, the checksum spool) set the
// connection's read deadline while the body is read, and ignores it otherwise (see
// connGuard).
func (a *answer) SetReadDeadline(t time.Time) error {
	g := &a.guard
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.bodyRead || g.begun || g.over {
		return nil
	}
	if !t.IsZero() && !t.After(time.Now()) {
		g.interrupted = true
	}
	return http.NewResponseController(a.ResponseWriter).SetReadDeadline(t)
}

// SetWriteDeadline sets the connection's write deadline until the request is over.
func (a *answer) SetWriteDeadline(t time.Time) error {
	g := &a.guard
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.over {
		return nil
	}
	return http.NewResponseController(a.ResponseWriter).SetWriteDeadline(t)
}

// beginAnswer is called on the handler's goroutine before the answer's header goes
// out: from then on, no read deadline reaches the connection, and a connection that
// got one in the past is closed after this answer.
func (a *answer) beginAnswer() {
	g := &a.guard
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.begun {
		return
	}
	g.begun = true
	if g.interrupted && a.req.ProtoMajor == 1 {
		a.Header().Set("Connection", "close")
	}
}

// endAnswer marks the request over: the connection may serve another one now.
func (a *answer) endAnswer() {
	a.guard.mu.Lock()
	a.guard.over = true
	a.guard.mu.Unlock()
}

func (a *answer) bodyDone() {
	a.guard.mu.Lock()
	a.guard.bodyRead = true
	a.guard.mu.Unlock()
}

// watchedBody is a request body that tells its answer when it is over.
type watchedBody struct {
	io.ReadCloser
	a *answer
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.a.bodyDone()
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.ReadCloser.Close()
	b.a.bodyDone()
	return err
}

// watchBody makes r's body tell a when it is over; a request without one has
// nothing to read.
func (a *answer) watchBody(r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		a.guard.bodyRead = true
		return
	}
	r.Body = &watchedBody{ReadCloser: r.Body, a: a}
}
