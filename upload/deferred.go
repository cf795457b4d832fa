package upload

import (
	"context"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// reserveDeferred keeps the quota of an upload whose length was deferred in step
// with what the client sends: a request that declares the length (Upload-Length)
// reserves exactly that, and one that does not grows the reservation to cover its
// bytes before one is read, so bytes beyond the free space are refused. A request
// that declares a length for an upload that has one is refused.
func (s *Service) reserveDeferred(ctx context.Context, rec *record, r *http.Request, offset int64) error {
	declared := r.Header.Get("Upload-Length")
	if !rec.LengthDeferred {
		if declared != "" && r.Method == http.MethodPatch {
			return cartable.Errorf(cartable.EInvalid, "the upload's length is known already: send no Upload-Length")
		}
		return nil
	}
	size, exact := offset+r.ContentLength, false
	switch {
	case declared != "":
		n, err := strconv.ParseInt(declared, 10, 64)
		if err != nil || n < offset {
			return cartable.Errorf(cartable.EInvalid, "invalid Upload-Length header: at least the offset, %d", offset)
		}
		size, exact = n, true
	case r.ContentLength < 0:
		return cartable.Errorf(cartable.EInvalid,
			"while the upload's length is deferred, each PATCH must give its Content-Length: quota is reserved before the bytes")
	}
	if err := s.checkSize(size); err != nil {
		return err
	}
	if exact && rec.inS3() {
		// tusd's store learns it first: the row must never know a length tusd does
		// not (tusd would then never finish the upload). Declaring again is harmless.
		up, err := s.store.GetUpload(ctx, rec.TusID)
		if err == nil {
			err = s.store.AsLengthDeclarableUpload(up).DeclareLength(ctx, size)
		}
		if err != nil {
			return err
		}
	}
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if err := rec.Pending.Reservation.Resize(ctx, tx, size, !exact); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE uploads SET size = CASE WHEN $3 THEN $2 ELSE greatest(size, $2) END,
			length_deferred = NOT $3 WHERE object_id = $1`, rec.ObjectID, size, exact)
		return err
	})
	if err != nil {
		return err
	}
	if exact {
		rec.Size, rec.LengthDeferred = size, false
	} else {
		rec.Size = max(rec.Size, size)
	}
	return nil
}
