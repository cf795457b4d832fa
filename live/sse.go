package live

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// writeTimeout bounds each write to a stream: a client that stops reading is let
// go, and a server-wide write timeout (none today) would not cut a stream that
// keeps writing.
const writeTimeout = 30 * time.Second

// eventStream writes server-sent events (text/event-stream), each flushed at once
// through whatever wraps the response.
type eventStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// openStream answers 200 with the stream's headers. Proxies are asked not to
// buffer (nginx reads X-Accel-Buffering) nor to transform it.
func openStream(w http.ResponseWriter, retry time.Duration) (*eventStream, error) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store, no-transform")
	h.Set("X-Accel-Buffering", "no")
	h.Del("Content-Length")
	w.WriteHeader(http.StatusOK)
	s := &eventStream{w: w, rc: http.NewResponseController(w)}
	return s, s.write(fmt.Sprintf("retry: %d\n\n", retry.Milliseconds()))
}

// event sends one event; data is one line (compact JSON).
func (s *eventStream) event(name string, data []byte) error {
	if strings.ContainsAny(string(data), "\r\n") {
		return fmt.Errorf("event %s: its data spans several lines", name)
	}
	return s.write("event: " + name + "\ndata: " + string(data) + "\n\n")
}

// comment sends a comment line, which clients ignore: it keeps proxies from
// closing an idle stream.
func (s *eventStream) comment(text string) error { return s.write(": " + text + "\n\n") }

func (s *eventStream) write(text string) error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("stream write deadline: %w", err)
	}
	if _, err := s.w.Write([]byte(text)); err != nil {
		return fmt.Errorf("write to stream: %w", err)
	}
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("flush stream: %w", err)
	}
	return nil
}
