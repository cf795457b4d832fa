package upload

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"cartable"
)

// ServeHTTP serves the tus endpoint. The caller has been authenticated by the API
// (cartable.CallerFrom); this decides who may touch which upload, makes "finished"
// mean "committed", and adds the expiration extension tusd does not implement.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(BasePath, "/")), "/")
	w = &extensionWriter{ResponseWriter: w}
	if rest == "" || r.Method == http.MethodOptions {
		s.serveTus(w, r, rest)
		return
	}
	id, ok := objectID(rest)
	rec, err := s.load(r.Context(), s.db, id, false)
	if !ok || err != nil || rec.OwnerID != callerID(r) || (rec.CommittedID == nil && rec.ExpiresAt.Before(time.Now())) {
		// Another user's upload does not exist for them.
		s.problem(w, r, cartable.Errorf(cartable.ENotFound, "no upload %q", rest))
		return
	}
	w.Header().Set("Upload-Expires", rec.ExpiresAt.UTC().Format(http.TimeFormat))
	if rec.CommittedID == nil && (r.Method == http.MethodHead || r.Method == http.MethodPatch) {
		if s.finishIfComplete(w, r, rest, &rec) {
			return
		}
	}
	if rec.CommittedID != nil {
		for k, v := range committedHeaders(rec) {
			w.Header().Set(k, v)
		}
	}
	s.serveTus(w, r, rest)
}

// finishIfComplete commits an upload whose bytes have all arrived but whose commit
// did not happen (it failed, or the node died in between), so that a HEAD or a
// retried final PATCH never reports a finished upload that is not a file. It returns
// true when it has answered the request itself.
func (s *Service) finishIfComplete(w http.ResponseWriter, r *http.Request, tusID string, rec *record) bool {
	upload, err := s.store.GetUpload(r.Context(), tusID)
	if err != nil {
		return false // tusd will answer (not found, or a store error)
	}
	info, err := upload.GetInfo(r.Context())
	if err != nil || info.SizeIsDeferred || info.Offset < info.Size {
		return false
	}
	committed, err := s.commit(r.Context(), cartable.CallerFrom(r.Context()), rec.ObjectID)
	if err != nil {
		s.problem(w, r, err)
		return true
	}
	*rec = committed
	if r.Method == http.MethodPatch {
		// tusd would answer 204 without running the finish hook again (tusd #1299).
		for k, v := range committedHeaders(committed) {
			w.Header().Set(k, v)
		}
		w.Header().Set("Tus-Resumable", "1.0.0")
		w.Header().Set("Upload-Offset", strconv.FormatInt(info.Size, 10))
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// serveTus hands the request to tusd, with the path tusd routes on.
func (s *Service) serveTus(w http.ResponseWriter, r *http.Request, rest string) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + rest
	r2.URL.RawPath = ""
	s.tus.ServeHTTP(w, r2)
}

func callerID(r *http.Request) string {
	if c := cartable.CallerFrom(r.Context()); c != nil {
		return c.UserID
	}
	return ""
}

// extensionWriter advertises the extensions as Cartable implements them around
// tusd: expiration is added (Upload-Expires, and the sweeper that removes expired
// uploads), creation-defer-length removed (quota is reserved from the declared length).
type extensionWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *extensionWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		if ext := w.Header().Get("Tus-Extension"); ext != "" {
			w.Header().Set("Tus-Extension", advertised(ext))
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

// advertised is tusd's list of extensions as Cartable offers them.
func advertised(tusd string) string {
	var out []string
	for _, ext := range strings.Split(tusd, ",") {
		if ext = strings.TrimSpace(ext); ext != "" && ext != "creation-defer-length" && ext != "expiration" {
			out = append(out, ext)
		}
	}
	return strings.Join(append(out, "expiration"), ",")
}

func (w *extensionWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (tusd sets deadlines).
func (w *extensionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
