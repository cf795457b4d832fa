package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"cartable/antivirus"
	"cartable/api"
	"cartable/assignment"
	"cartable/audit"
	"cartable/auth"
	"cartable/db"
	"cartable/embed"
	"cartable/events"
	"cartable/leaver"
	"cartable/live"
	"cartable/migrations"
	"cartable/preview"
	"cartable/quota"
	"cartable/sharing"
	"cartable/storage"
	"cartable/upload"
	"cartable/web"
	"cartable/wopi"
	"cartable/workspace"
)

// app is Cartable wired together: the one wiring every command shares.
type app struct {
	cfg         Config
	log         *slog.Logger
	pool        *pgxpool.Pool
	store       *storage.Store
	workspace   *workspace.Service
	assignments *assignment.Service
	leavers     *leaver.Service
	uploads     *upload.Service
	river       *river.Client[pgx.Tx]
	workers     *river.Workers
	registry    *prometheus.Registry
	renderer    *preview.Renderer
	previews    *preview.Jobs
	clamd       *antivirus.Clamd // nil: no antivirus
	scans       *antivirus.Jobs
	live        *live.Service   // the watches of this node's clients
	changes     *live.Hub       // the blob changes this node hears
	announcer   *live.Announcer // the blob changes this process's jobs commit, sent together
}

// open connects to PostgreSQL and object storage and builds the capabilities.
func open(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, int32(cfg.DBMaxConns))
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, pool: pool}
	if err := a.build(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return a, nil
}

// build makes the capabilities over the open pool.
func (a *app) build(ctx context.Context) error {
	s3 := a.cfg.s3()
	store, err := storage.New(ctx, s3)
	if err != nil {
		return err
	}
	a.store = store
	a.registry = prometheus.NewRegistry()
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		quota.NewCollector(a.pool))
	a.assignments = assignment.New(a.pool, store)
	template, err := a.cfg.folderTemplate()
	if err != nil {
		return err
	}
	a.workspace = workspace.New(a.pool, store, workspace.Config{MaxUploadBytes: a.cfg.MaxUploadBytes, MaxStreamedBytes: a.cfg.UploadMaxBytes,
		TrashRetention: a.cfg.TrashRetention, ArchiveRetention: a.cfg.ArchiveRetention, FolderTemplate: template}, a.log)
	a.leavers = leaver.New(a.pool, a.workspace, a.cfg.LeaverRetention, a.log)
	a.renderer = preview.NewRenderer(preview.Limits{
		MaxPixels: a.cfg.PreviewMaxPixels, MaxBytes: a.cfg.PreviewMaxBytes, Timeout: a.cfg.PreviewTimeout,
		ConverterMemory: a.cfg.PreviewConverterBytes,
		Concurrency:     int(a.cfg.PreviewWorkers),
	})
	if a.cfg.Clamd != "" {
		if a.clamd, err = antivirus.NewClamd(a.cfg.Clamd); err != nil {
			return err
		}
	}
	a.previews, a.scans = &preview.Jobs{}, &antivirus.Jobs{}
	if a.river, err = a.jobs(); err != nil {
		return err
	}
	a.workspace.SetPreviews(a.previews)
	if a.clamd != nil {
		a.workspace.SetScans(a.scans)
	}
	a.uploads, err = upload.New(upload.Config{
		S3: s3, MaxSize: a.cfg.UploadMaxBytes, Expiry: a.cfg.UploadExpiry, PartSize: a.cfg.UploadPartBytes, NetworkTimeout: a.cfg.UploadNetworkTimeout,
		BufferedParts: a.cfg.UploadBufferedParts, ConcurrentParts: int(a.cfg.UploadConcurrentParts), TempDir: a.cfg.UploadTempDir,
		PartHashes:     a.cfg.UploadPartHashes,
		AllowedOrigins: a.cfg.corsOrigins(),
	}, a.pool, a.workspace, store, api.WriteProblem(a.log), a.log)
	if err != nil {
		return err
	}
	a.uploads.AddWorkers(a.workers)
	a.changes = live.NewHub()
	a.live = live.New(a.changes, a.pool, live.DefaultConfig, a.log)
	a.announcer = live.NewAnnouncer(a.pool, a.log)
	return nil
}

// startJobs starts the job client, its jobs announcing the blob changes they
// commit through the process's announcer.
func (a *app) startJobs(ctx context.Context) error {
	if err := a.river.Start(live.WithAnnouncer(ctx, a.announcer)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	return nil
}

// listenForChanges hears the blob changes of the cluster for the watches of this
// node's clients, on a connection of its own, until ctx ends; then it ends them.
func (a *app) listenForChanges(ctx context.Context) {
	a.changes.Listen(ctx, func(ctx context.Context) (*pgx.Conn, error) {
		return pgx.ConnectConfig(ctx, a.pool.Config().ConnConfig.Copy())
	}, a.log)
}

func (a *app) close() {
	a.uploads.Close()
	a.announcer.Close() // its last batch, before the pool goes
	a.pool.Close()
}

// checkSchema refuses to run on a database whose schema is behind the binary.
func (a *app) checkSchema(ctx context.Context) error {
	pending, err := migrations.Pending(ctx, a.pool)
	if err != nil {
		return err
	}
	if pending > 0 {
		return fmt.Errorf("the database schema is %d migration(s) behind: run `cartable migrate` first", pending)
	}
	return nil
}

// jobs builds the river client: every node enqueues jobs with it, and the ones that
// run jobs (serve by default, worker) start it.
func (a *app) jobs() (*river.Client[pgx.Tx], error) {
	a.workers = river.NewWorkers()
	a.workspace.AddWorkers(a.workers)
	a.quotaJobs().AddWorkers(a.workers)
	river.AddWorker(a.workers, &events.Worker{DB: a.pool, Log: a.log,
		Hook: events.Webhook{URL: a.cfg.WebhookURL, Secret: a.cfg.WebhookSecret}})
	river.AddWorker(a.workers, &preview.Worker{DB: a.pool, Store: a.store, Renderer: a.renderer, Log: a.log,
		Metrics: preview.NewMetrics(a.registry), GoDecodes: 2 * max(1, int(a.cfg.PreviewWorkers))})
	river.AddWorker(a.workers, &preview.SweepWorker{DB: a.pool, Log: a.log})
	river.AddWorker(a.workers, &assignment.PublishDueWorker{Service: a.assignments, Log: a.log})
	river.AddWorker(a.workers, &audit.PurgeWorker{DB: a.pool, Retention: a.cfg.AuditRetention, Log: a.log})
	river.AddWorker(a.workers, &events.PurgeWorker{DB: a.pool, Retention: a.cfg.EventsRetention, Log: a.log})
	a.leavers.AddWorkers(a.workers)
	cfg := &river.Config{
		Logger:       a.log,
		Workers:      a.workers,
		PeriodicJobs: slices.Concat(workspace.PeriodicJobs(), quota.PeriodicJobs(), upload.PeriodicJobs(), events.PeriodicJobs(), preview.PeriodicJobs(), assignment.PeriodicJobs(), audit.PeriodicJobs(), leaver.PeriodicJobs()),
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: max(1, a.cfg.JobWorkers)},
			// Its own queue. The renderer's slots bound the renders running at once
			// (and the memory they take); one job more than slots downloads the next
			// file while the others render.
			preview.Queue: {MaxWorkers: max(1, int(a.cfg.PreviewWorkers)) + 1, FetchPollInterval: 250 * time.Millisecond},
			// The provisional small thumbnails, beside the renders: most are a
			// camera's preview, a few milliseconds of CPU each between round trips
			// to S3 and PostgreSQL. Twice as many as the render slots, and at least
			// four: a worker of one slot took them two at a time, and at the bell
			// the last of 60 waited 3 s for its turn. The photos Go decodes
			// (some 80 ms of CPU for 12 MP) take two turns per slot at most
			// (preview.Worker.GoDecodes). More, on a node of two slots sharing
			// its cores with the API and clamd, slowed the scans the PDFs wait for.
			preview.QueueFirst: {MaxWorkers: max(4, 2*max(1, int(a.cfg.PreviewWorkers))), FetchPollInterval: 250 * time.Millisecond},
		},
		// A small thumbnail's stage takes some 40 ms, a provisional one a few. With
		// river's default 100 ms, a queue fetches at most that often, and a job
		// inserted within 100 ms of the last notice of its queue sends none: it
		// waits for a fetch that another job's end or the poll (above) brings. A
		// notice costs one NOTIFY.
		FetchCooldown: 10 * time.Millisecond,
		// A school day makes some 1.3 million jobs at the region's scale (see
		// deploy/CAPACITY.md): kept a day, as river does by default, they would be
		// the table every fetch searches. An hour is enough to look at what just
		// ran; failed jobs stay river's 7 days.
		CompletedJobRetentionPeriod: time.Hour,
	}
	a.antivirusJobs(cfg)
	client, err := river.NewClient(riverpgxv5.New(a.pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("job client: %w", err)
	}
	a.previews.Client, a.scans.Client = client, client
	return client, nil
}

// antivirusJobs adds the scans and their catch-up to the job client's workers and
// queues. Their enqueuers get the client once it exists (jobs). The scans run on
// every node, clamd or not: a node without it releases the files left waiting
// (the antivirus turned off, or set on some nodes only) instead of leaving them
// pending for good.
func (a *app) antivirusJobs(cfg *river.Config) {
	river.AddWorker(a.workers, &antivirus.Worker{DB: a.pool, Store: a.store, Clamd: a.clamd,
		Previews: a.previews, Log: a.log, Metrics: antivirus.NewMetrics(a.registry),
		Policy: antivirus.Policy{FailOpen: a.cfg.AntivirusFailure == "open", MaxBytes: a.cfg.AntivirusMaxBytes, Retry: 10 * time.Second}})
	cfg.Queues[antivirus.Queue] = river.QueueConfig{MaxWorkers: max(1, int(a.cfg.AntivirusWorkers))}
	if a.clamd != nil {
		river.AddWorker(a.workers, &antivirus.CatchUpWorker{DB: a.pool, Clamd: a.clamd, Jobs: a.scans, Log: a.log})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, antivirus.PeriodicJobs()...)
	}
}

// quotaJobs are the quota sweepers, with the counter of corrected drift.
func (a *app) quotaJobs() *quota.Jobs {
	drift := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "cartable_quota_drift_corrections_total",
		Help: "Quota figures a recomputation found wrong and corrected.",
	})
	if err := a.registry.Register(drift); err != nil {
		var already prometheus.AlreadyRegisteredError
		if errors.As(err, &already) {
			drift = already.ExistingCollector.(prometheus.Counter)
		}
	}
	return &quota.Jobs{DB: a.pool, Log: a.log, Drift: drift}
}

// verifier builds the token verifier: the configured OIDC issuer, and in dev mode
// the built-in dev issuer too.
func (a *app) verifier(ctx context.Context) (*auth.Verifier, *auth.DevIssuer, error) {
	cfg := auth.Config{Issuer: a.cfg.OIDCIssuer, Audience: a.cfg.OIDCAudience, UserClaim: a.cfg.OIDCUserClaim, ScopeClaim: a.cfg.OIDCScopeClaim}
	var devIssuer *auth.DevIssuer
	var extra []auth.KeySource
	if a.cfg.Dev {
		var err error
		if devIssuer, err = auth.NewDevIssuer(strings.TrimSuffix(a.cfg.PublicURL, "/")+"/dev/oidc", a.cfg.OIDCAudience, a.cfg.DevSecret); err != nil {
			return nil, nil, err
		}
		extra = append(extra, devIssuer)
	}
	v, err := auth.NewVerifier(ctx, cfg, http.DefaultClient, extra...)
	if err != nil {
		return nil, nil, err
	}
	return v, devIssuer, nil
}

// server builds the HTTP server.
func (a *app) server(ctx context.Context) (*api.Server, error) {
	verifier, devIssuer, err := a.verifier(ctx)
	if err != nil {
		return nil, err
	}
	proxies, err := a.cfg.trustedProxies()
	if err != nil {
		return nil, err
	}
	signer, err := a.cfg.signer()
	if err != nil {
		return nil, err
	}
	downloadOrigin, err := a.cfg.downloadOrigin()
	if err != nil {
		return nil, err
	}
	// Dev mode offers the demo users to pick from, unless an issuer is configured:
	// then the app signs in through it, as in production (a local Keycloak, a test's).
	webApp, err := web.New(web.Config{PublicURL: a.cfg.PublicURL, FrameAncestors: a.cfg.frameAncestors(),
		Dev: a.cfg.Dev && a.cfg.OIDCIssuer == "", OIDCIssuer: a.cfg.OIDCIssuer, OIDCClientID: a.cfg.OIDCAudience, OfficeOrigin: a.cfg.WOPIDiscoveryURL})
	if err != nil {
		return nil, err
	}
	var identityCheck func(context.Context) error
	if a.cfg.OIDCIssuer != "" {
		identityCheck = verifier.CheckIssuers
		checkCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := verifier.CheckIssuers(checkCtx); err != nil {
			a.log.Error("the identity provider does not answer: no token can be verified until it does", "issuer", a.cfg.OIDCIssuer, "err", err)
		}
		cancel()
	}
	office, err := a.wopiHost(ctx)
	if err != nil {
		return nil, err
	}
	return api.New(api.Deps{
		DB: a.pool, Workspace: a.workspace, Assignments: a.assignments, Embeds: embed.New(a.pool, a.workspace), Verifier: verifier, DevIssuer: devIssuer, TrustedProxies: proxies, MetricsToken: a.cfg.MetricsToken, IdentityCheck: identityCheck,
		Ready: a.ready, Registry: a.registry, Log: a.log, AllowedOrigins: a.cfg.corsOrigins(), Uploads: a.uploads,
		PublicURL: a.cfg.PublicURL, DownloadOrigin: downloadOrigin, LinkPolicy: sharing.LinkPolicy{Everyone: a.cfg.LinksEveryone},
		Previews: a.previews, Renderer: a.renderer, Signer: signer, App: webApp, WOPI: office, Antivirus: a.antivirusStatus(),
		Leavers: a.leavers, Live: a.live,
	}), nil
}

// antivirusStatus is what /readyz reports of the antivirus; nil when it is off.
func (a *app) antivirusStatus() *api.AntivirusStatus {
	if a.clamd == nil {
		return nil
	}
	return &api.AntivirusStatus{Version: a.clamd.Version, OnFailure: a.cfg.AntivirusFailure}
}

// wopiHost builds the office editor's host when a discovery URL is configured, and
// keeps its discovery fresh while ctx lives; nil otherwise.
func (a *app) wopiHost(ctx context.Context) (*wopi.Host, error) {
	if a.cfg.WOPIDiscoveryURL == "" {
		return nil, nil
	}
	tokens, err := a.cfg.wopiTokens()
	if err != nil {
		return nil, err
	}
	disc := wopi.NewDiscoverer(a.cfg.WOPIDiscoveryURL, nil, a.log)
	go disc.Run(ctx)
	return wopi.New(wopi.Config{Workspace: a.workspace, DB: a.pool, Tokens: tokens, Discoverer: disc,
		HostURL: a.cfg.wopiURL(), Log: a.log}), nil
}

// ready reports whether PostgreSQL and object storage answer.
func (a *app) ready(ctx context.Context) error {
	if err := a.pool.Ping(ctx); err != nil {
		return &api.DependencyDown{Dependency: "database", Err: err}
	}
	if err := a.store.Ping(ctx); err != nil {
		return &api.DependencyDown{Dependency: "object storage", Err: err}
	}
	return nil
}

// serveHTTP serves on ln until ctx ends, then lets requests in flight finish.
func (a *app) serveHTTP(ctx context.Context, ln net.Listener, handler http.Handler) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	a.log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
