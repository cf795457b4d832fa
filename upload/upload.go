// Package upload owns resumable uploads: tus 1.0 at /api/v1/uploads (core,
// creation, creation-with-upload, creation-defer-length, concatenation, termination,
// expiration), with tusd v2's S3 store writing straight into the blob bucket and a
// PostgreSQL locker so that any node can continue any upload. Every upload goes
// through the workspace's one pipeline: admitted and reserved (BeginUploadTx),
// committed (FinishUploadTx), or given back.
//
// # Configuration
//
// The largest upload (10 GiB by default), how long an unfinished upload lives (24 h),
// the S3 part size and how many parts are buffered and sent at once, where parts are
// buffered, and the browser origins allowed to upload (CORS).
//
// # Implementation
//
// tusd's UnroutedHandler is mounted at its seams: its middleware answers OPTIONS and
// CORS and checks Tus-Resumable, and Cartable routes the rest. A creation is
// Cartable's own: the caller's right to write the target is checked, the name
// validated, the declared length reserved in quota and the upload recorded, in one
// transaction, and nothing is created in S3. The first bytes decide: a file that
// comes whole in one request and fits in one part (the 8:00 burst of small files) is
// stored with one PutObject, its type sniffed and its hash computed on the way, and
// committed in the same request; otherwise the S3 multipart upload is created and
// tusd takes the bytes, and its finish hook commits the upload before the last PATCH
// answers. Either way the answer carries the item's id and ETag (Cartable-Item-Id,
// Cartable-Item-Etag). "Finished" means "committed": a HEAD or a retried PATCH on an
// upload whose bytes are all in S3 but whose commit failed runs the commit again
// before answering (tus-js-client #557, tusd #1299).
//
// Every error leaves as problem+json with a stable code: tusd's own protocol errors
// are mapped from their codes, and a failure of the S3 store is a 503 unavailable,
// its text (endpoint, bucket, keys) only in the log.
//
// # Considerations
//
// Only the uploader may continue, inspect or terminate an upload: anyone else gets
// a 404. A creation that fails keeps nothing: its client never learnt its URL.
// Terminating a finished upload forgets the upload, never the file it became.
package upload

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"
	expslog "golang.org/x/exp/slog"

	"cartable/storage"
	"cartable/workspace"
)

// BasePath is where the tus endpoint is served.
const BasePath = "/api/v1/uploads/"

// objectPrefix is where finished uploads land in the bucket: their final object is
// the version's blob, under a key never reused.
const objectPrefix = "blobs/tus/"

// Config tunes resumable uploads.
type Config struct {
	S3 storage.Config
	// MaxSize is the largest upload accepted.
	MaxSize int64
	// Expiry is how long an unfinished upload lives.
	Expiry time.Duration
	// PartSize is the preferred S3 part size; parts are buffered in TempDir.
	PartSize int64
	// BufferedParts is how many parts may wait on disk while one is sent to S3.
	BufferedParts int64
	// ConcurrentParts is how many parts of one upload are sent to S3 at once.
	ConcurrentParts int
	TempDir         string
	// PartHashes computes MD5 and SHA-256 of each part for S3's integrity checks.
	// Without TLS to S3 they are the only check of the bytes in transit; with TLS
	// they cost CPU for little (TLS already protects them).
	PartHashes bool
	// AllowedOrigins are the browser origins allowed to upload (CORS).
	AllowedOrigins []string
	// NetworkTimeout is how long a request's body may stop coming before the
	// request fails (each read pushes it back: a slow link that keeps sending
	// never times out).
	NetworkTimeout time.Duration
}

// DefaultConfig is used for every zero field.
var DefaultConfig = Config{
	MaxSize:         10 << 30,
	Expiry:          24 * time.Hour,
	PartSize:        16 << 20,
	BufferedParts:   4,
	ConcurrentParts: 8,
	NetworkTimeout:  60 * time.Second,
}

// Problem writes an error the way the rest of the API does (problem+json).
type Problem func(w http.ResponseWriter, r *http.Request, err error)

// Service serves the tus endpoint.
type Service struct {
	cfg    Config
	db     *pgxpool.Pool
	ws     *workspace.Service
	blobs  *storage.Store
	store  store
	locker *Locker
	tus    *tusd.UnroutedHandler
	// protocol is tusd's middleware (OPTIONS, CORS, Tus-Resumable) in front of route.
	protocol http.Handler
	problem  Problem
	log      *slog.Logger
}

// New builds the tus endpoint over the bucket of cfg.S3.
func New(cfg Config, pool *pgxpool.Pool, ws *workspace.Service, blobs *storage.Store, problem Problem, log *slog.Logger) (*Service, error) {
	cfg = withDefaults(cfg)
	s := &Service{cfg: cfg, db: pool, ws: ws, blobs: blobs, problem: problem, log: log}
	s.store = store{s3: newS3Store(cfg), log: log}
	connect := func(ctx context.Context) (*pgx.Conn, error) {
		return pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	}
	s.locker = NewLocker(connect, pool, log)
	composer := tusd.NewStoreComposer()
	s.store.UseIn(composer)
	s.locker.UseIn(composer)
	handler, err := tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:              composer,
		BasePath:                   BasePath,
		MaxSize:                    cfg.MaxSize,
		DisableDownload:            true,
		DisableConcatenation:       true,
		Cors:                       corsConfig(cfg.AllowedOrigins),
		Logger:                     tusLogger(),
		RespectForwardedHeaders:    true,
		PreFinishResponseCallback:  s.beforeFinishResponse,
		PreUploadTerminateCallback: s.beforeTerminate,
		NetworkTimeout:             cfg.NetworkTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("tus handler: %w", err)
	}
	s.tus = handler
	s.protocol = handler.Middleware(http.HandlerFunc(s.route))
	return s, nil
}

// tusInfo is the upload as tusd's store creates it: under its object id, so that
// its final object is the blob's key.
func tusInfo(r record) tusd.FileInfo {
	return tusd.FileInfo{ID: r.ObjectID.String(), Size: r.Size, MetaData: tusd.ParseMetadataHeader(r.Metadata)}
}

func withDefaults(cfg Config) Config {
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultConfig.MaxSize
	}
	if cfg.Expiry == 0 {
		cfg.Expiry = DefaultConfig.Expiry
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultConfig.PartSize
	}
	if cfg.BufferedParts == 0 {
		cfg.BufferedParts = DefaultConfig.BufferedParts
	}
	if cfg.ConcurrentParts == 0 {
		cfg.ConcurrentParts = DefaultConfig.ConcurrentParts
	}
	if cfg.NetworkTimeout == 0 {
		cfg.NetworkTimeout = DefaultConfig.NetworkTimeout
	}
	return cfg
}

// newS3Store points tusd's S3 store at the same endpoint and bucket as the blob store.
func newS3Store(cfg Config) s3store.S3Store {
	scheme := "http"
	if cfg.S3.TLS {
		scheme = "https"
	}
	client := s3.New(s3.Options{
		Region:       cfg.S3.Region,
		BaseEndpoint: aws.String(scheme + "://" + cfg.S3.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(cfg.S3.AccessKey, cfg.S3.SecretKey, ""),
		// MinIO and other S3s do not all know the newer default checksums.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	store := s3store.New(cfg.S3.Bucket, client)
	store.ObjectPrefix = objectPrefix
	store.MetadataObjectPrefix = "uploads/"
	store.PreferredPartSize = cfg.PartSize
	store.MaxBufferedParts = cfg.BufferedParts
	store.TemporaryDirectory = cfg.TempDir
	store.SetConcurrentPartUploads(cfg.ConcurrentParts)
	store.DisableContentHashes = !cfg.PartHashes
	return store
}

func corsConfig(origins []string) *tusd.CorsConfig {
	cors := tusd.DefaultCorsConfig
	if len(origins) == 0 {
		cors.Disable = true
		return &cors
	}
	quoted := make([]string, len(origins))
	for i, o := range origins {
		quoted[i] = regexp.QuoteMeta(o)
	}
	cors.AllowOrigin = regexp.MustCompile(`^(` + strings.Join(quoted, "|") + `)$`)
	cors.AllowHeaders += ", Authorization, Upload-Checksum"
	cors.ExposeHeaders += ", Cartable-Item-Id, Cartable-Item-Etag, Tus-Checksum-Algorithm"
	return &cors
}

// tusLogger gives tusd (which logs with golang.org/x/exp/slog) a logger that keeps
// only its warnings and errors: each request is already logged by the API.
func tusLogger() *expslog.Logger {
	return expslog.New(expslog.NewJSONHandler(os.Stderr, &expslog.HandlerOptions{Level: expslog.LevelWarn}))
}

// Run serves the locker's release requests until ctx ends.
func (s *Service) Run(ctx context.Context) {
	s.locker.Listen(ctx)
}

// Close releases this node's upload locks.
func (s *Service) Close() { s.locker.Close() }

// MaxSize is the largest upload accepted.
func (s *Service) MaxSize() int64 { return s.cfg.MaxSize }
