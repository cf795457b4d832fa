package upload

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"cartable"
)

// Concatenation (tus-js-client's parallelUploads): partial uploads each reserve their
// length and, once their bytes are all there, wait; the final upload names them,
// takes over their reservations, streams their objects one after the other into its
// own blob, commits it as one file (charged once), then removes the partial uploads.

// partials reads the partial uploads a final upload's Upload-Concat header names, in
// order: the caller's own, finished, and each named once. It returns their total
// length.
func (s *Service) partials(ctx context.Context, owner, header string) ([]record, int64, error) {
	urls := strings.Fields(strings.TrimPrefix(header, "final;"))
	if len(urls) == 0 {
		return nil, 0, cartable.Errorf(cartable.EInvalid, "a final upload names its partial uploads: final;<URL> <URL>…")
	}
	var parts []record
	var total int64
	seen := map[string]bool{}
	for _, u := range urls {
		urlID := u[strings.LastIndex(u, "/")+1:]
		id, ok := objectID(urlID)
		var rec record
		var err error = cartable.Errorf(cartable.ENotFound, "no upload %q", u)
		if ok {
			rec, err = load(ctx, s.db, id, false)
		}
		if err == nil && (rec.OwnerID != owner || rec.ExpiresAt.Before(time.Now())) {
			err = cartable.Errorf(cartable.ENotFound, "no upload %q", u)
		}
		switch {
		case err != nil:
			return nil, 0, err
		case !rec.partial():
			return nil, 0, cartable.Errorf(cartable.EInvalid, "upload %s is not a partial upload", u)
		case !rec.committed():
			return nil, 0, cartable.Errorf(cartable.EInvalid, "partial upload %s is not finished", u)
		case seen[id.String()]:
			return nil, 0, cartable.Errorf(cartable.EInvalid, "partial upload %s is named twice", u)
		}
		seen[id.String()] = true
		parts = append(parts, rec)
		total += rec.Size
	}
	return parts, total, nil
}

// concatenate stores the partial uploads' bytes as the final upload's blob, commits
// it, and removes the partial uploads.
func (s *Service) concatenate(a *answer, r *http.Request, rec record, parts []record) {
	ctx := r.Context()
	body := &chain{ctx: ctx, s: s, parts: parts}
	defer body.Close()
	if err := s.storeWhole(ctx, cartable.CallerFrom(ctx), &rec, body); err != nil {
		a.refuse(err)
		return
	}
	for _, p := range parts {
		if err := s.remove(context.WithoutCancel(ctx), p.ObjectID); err != nil {
			s.log.Warn("remove a concatenated partial upload", "upload", p.ObjectID, "err", err)
		}
	}
	s.answerCommitted(a, rec, 0)
}

// chain reads the objects of partial uploads one after the other, opening each only
// when the previous one is read, so that one S3 connection is open at a time.
type chain struct {
	ctx   context.Context
	s     *Service
	parts []record
	cur   io.ReadCloser
}

func (c *chain) Read(p []byte) (int, error) {
	for {
		if c.cur == nil {
			if len(c.parts) == 0 {
				return 0, io.EOF
			}
			next, err := c.s.blobs.Open(c.ctx, c.parts[0].Pending.Key, 0, -1)
			if err != nil {
				return 0, err
			}
			c.cur, c.parts = next, c.parts[1:]
		}
		n, err := c.cur.Read(p)
		if err == io.EOF {
			c.cur.Close()
			c.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (c *chain) Close() error {
	if c.cur != nil {
		return c.cur.Close()
	}
	return nil
}
