package upload

import (
	"context"
	"errors"
	"io"
	"log/slog"

	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"

	"cartable"
)

// store is tusd's S3 store as Cartable mounts it: every error of the backend (not
// tusd's own protocol errors) is noted as the cause of the request's failure, so that
// it is answered as a problem, a 503 when S3 does not answer, with nothing of S3's
// addresses or keys in it.
type store struct {
	s3  s3store.S3Store
	log *slog.Logger
}

// UseIn makes the store the composer's core, and its terminater, concater and
// length deferrer.
func (st store) UseIn(c *tusd.StoreComposer) {
	c.UseCore(st)
	c.UseTerminater(st)
	c.UseConcater(st)
	c.UseLengthDeferrer(st)
}

// noted notes a backend error for the request of ctx and returns it. The S3 store
// flattens some of its errors into text, so the cause cannot always be read from
// them: every failure of the store is taken for object storage being unavailable
// (503, try again), and its text goes to the log only.
func (st store) noted(ctx context.Context, err error) error {
	var protocol tusd.Error
	if err == nil || errors.As(err, &protocol) || errors.Is(err, context.Canceled) {
		return err
	}
	st.log.ErrorContext(ctx, "object storage failed during an upload", "err", err)
	note(ctx, cartable.Errorf(cartable.EUnavailable, "object storage did not complete the request"))
	return err
}

func (st store) NewUpload(ctx context.Context, info tusd.FileInfo) (tusd.Upload, error) {
	up, err := st.s3.NewUpload(ctx, info)
	if err != nil {
		return nil, st.noted(ctx, err)
	}
	return upload{up, st}, nil
}

func (st store) GetUpload(ctx context.Context, id string) (tusd.Upload, error) {
	up, err := st.s3.GetUpload(ctx, id)
	if err != nil {
		return nil, st.noted(ctx, err)
	}
	return upload{up, st}, nil
}

func (st store) AsTerminatableUpload(u tusd.Upload) tusd.TerminatableUpload {
	return terminatable{st.s3.AsTerminatableUpload(unwrap(u)), st}
}

func (st store) AsConcatableUpload(u tusd.Upload) tusd.ConcatableUpload {
	return concatable{st.s3.AsConcatableUpload(unwrap(u)), st}
}

func (st store) AsLengthDeclarableUpload(u tusd.Upload) tusd.LengthDeclarableUpload {
	return declarable{st.s3.AsLengthDeclarableUpload(unwrap(u)), st}
}

// unwrap gives the S3 store back its own upload.
func unwrap(u tusd.Upload) tusd.Upload {
	if w, ok := u.(upload); ok {
		return w.Upload
	}
	return u
}

// upload is one of the S3 store's uploads, its errors noted.
type upload struct {
	tusd.Upload
	st store
}

func (u upload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	n, err := u.Upload.WriteChunk(ctx, offset, src)
	return n, u.st.noted(ctx, err)
}

func (u upload) GetInfo(ctx context.Context) (tusd.FileInfo, error) {
	info, err := u.Upload.GetInfo(ctx)
	return info, u.st.noted(ctx, err)
}

func (u upload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	r, err := u.Upload.GetReader(ctx)
	return r, u.st.noted(ctx, err)
}

func (u upload) FinishUpload(ctx context.Context) error {
	return u.st.noted(ctx, u.Upload.FinishUpload(ctx))
}

type terminatable struct {
	tusd.TerminatableUpload
	st store
}

func (t terminatable) Terminate(ctx context.Context) error {
	return t.st.noted(ctx, t.TerminatableUpload.Terminate(ctx))
}

type concatable struct {
	tusd.ConcatableUpload
	st store
}

func (c concatable) ConcatUploads(ctx context.Context, partials []tusd.Upload) error {
	own := make([]tusd.Upload, len(partials))
	for i, p := range partials {
		own[i] = unwrap(p)
	}
	return c.st.noted(ctx, c.ConcatableUpload.ConcatUploads(ctx, own))
}

type declarable struct {
	tusd.LengthDeclarableUpload
	st store
}

func (d declarable) DeclareLength(ctx context.Context, length int64) error {
	return d.st.noted(ctx, d.LengthDeclarableUpload.DeclareLength(ctx, length))
}
