package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"cartable/antivirus"
	"cartable/audit"
	"cartable/events"
	"cartable/leaver"
	"cartable/presign"
	"cartable/preview"
	"cartable/storage"
	"cartable/wopi"
	"cartable/workspace"
)

// Config is every setting of Cartable. Each one is a flag whose default comes from
// an environment variable; the README's configuration table lists them all.
type Config struct {
	Listen                string
	PublicURL             string
	DownloadOrigin        string
	DatabaseURL           string
	S3Endpoint            string
	S3AccessKey           string
	S3SecretKey           string
	S3Bucket              string
	S3Region              string
	S3TLS                 bool
	OIDCIssuer            string
	OIDCAudience          string
	OIDCUserClaim         string
	OIDCScopeClaim        string
	Dev                   bool
	CORSOrigins           string
	FrameAncestors        string
	TrustedProxies        string
	MetricsToken          string
	MaxUploadBytes        int64
	TrashRetention        time.Duration
	ArchiveRetention      time.Duration
	AuditRetention        time.Duration
	EventsRetention       time.Duration
	Clamd                 string
	AntivirusFailure      string
	AntivirusMaxBytes     int64
	AntivirusWorkers      int64
	LeaverRetention       time.Duration
	FolderTemplate        string
	Jobs                  bool
	JobWorkers            int
	LogLevel              string
	LogFormat             string
	ShutdownTimeout       time.Duration
	UploadMaxBytes        int64
	UploadExpiry          time.Duration
	UploadNetworkTimeout  time.Duration
	UploadPartBytes       int64
	UploadBufferedParts   int64
	UploadConcurrentParts int64
	UploadTempDir         string
	UploadPartHashes      bool
	DBMaxConns            int64
	DevSecret             string
	LinksEveryone         bool
	WebhookURL            string
	WebhookSecret         string
	PreviewWorkers        int64
	PreviewMaxPixels      int64
	PreviewMaxBytes       int64
	PreviewTimeout        time.Duration
	PreviewConverterBytes int64
	// SigningSecret signs the URLs that need no Authorization header; the previous
	// secret's are still accepted while a secret is rotated.
	SigningSecret         string
	SigningSecretPrevious string
	SignedURLTTL          time.Duration
	// WOPIDiscoveryURL is the office server's /hosting/discovery: it turns office
	// editing on. WOPIURL is how the office server reaches Cartable (default: the
	// public URL); WOPITokenTTL how long an editing session's token lives.
	WOPIDiscoveryURL string
	WOPIURL          string
	WOPITokenTTL     time.Duration
	// StructureUAI is the one structure `cartable quota recompute` and
	// `cartable previews requeue` work on (-structure); empty: all of them.
	StructureUAI string
	// RequeueAll makes `cartable previews requeue` render ready previews again too.
	RequeueAll bool
}

// binder registers flags whose defaults come from the environment, and remembers the
// environment values it could not parse.
type binder struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []string
}

func (b *binder) str(p *string, name, env, def, usage string) {
	if v := b.getenv(env); v != "" {
		def = v
	}
	b.fs.StringVar(p, name, def, usage+" ($"+env+")")
}

func (b *binder) boolean(p *bool, name, env string, def bool, usage string) {
	if v := b.getenv(env); v != "" {
		parsed, err := strconv.ParseBool(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Sprintf("%s=%q is not a boolean", env, v))
		}
		def = parsed
	}
	b.fs.BoolVar(p, name, def, usage+" ($"+env+")")
}

func (b *binder) integer(p *int64, name, env string, def int64, usage string) {
	if v := b.getenv(env); v != "" {
		parsed, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.errs = append(b.errs, fmt.Sprintf("%s=%q is not an integer", env, v))
		}
		def = parsed
	}
	b.fs.Int64Var(p, name, def, usage+" ($"+env+")")
}

func (b *binder) duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v := b.getenv(env); v != "" {
		parsed, err := time.ParseDuration(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Sprintf("%s=%q is not a duration", env, v))
		}
		def = parsed
	}
	b.fs.DurationVar(p, name, def, usage+" ($"+env+")")
}

// parseConfig reads the configuration of one command from its flags and the
// environment; flags win.
func parseConfig(command string, args []string, getenv func(string) string) (Config, []string, error) {
	var cfg Config
	var workers int64
	fs := flag.NewFlagSet("cartable "+command, flag.ContinueOnError)
	b := &binder{fs: fs, getenv: getenv}
	b.str(&cfg.Listen, "listen", "CARTABLE_LISTEN", ":8080", "address the HTTP server listens on")
	b.str(&cfg.PublicURL, "public-url", "CARTABLE_PUBLIC_URL", "http://localhost:8080", "URL clients reach this service at")
	b.str(&cfg.DownloadOrigin, "download-origin", "CARTABLE_DOWNLOAD_ORIGIN", "", "second origin (https://host) of the signed download URLs, where PDFs open in the browser (empty: PDFs download)")
	b.str(&cfg.DatabaseURL, "database-url", "CARTABLE_DATABASE_URL", "", "PostgreSQL connection URL")
	b.integer(&cfg.DBMaxConns, "db-max-conns", "CARTABLE_DB_MAX_CONNS", 32, "PostgreSQL connections per node; a node serving the API opens up to ten more (8 holding the upload locks, 2 listening)")
	b.str(&cfg.S3Endpoint, "s3-endpoint", "CARTABLE_S3_ENDPOINT", "", "S3 endpoint, host:port")
	b.str(&cfg.S3AccessKey, "s3-access-key", "CARTABLE_S3_ACCESS_KEY", "", "S3 access key")
	b.str(&cfg.S3SecretKey, "s3-secret-key", "CARTABLE_S3_SECRET_KEY", "", "S3 secret key")
	b.str(&cfg.S3Bucket, "s3-bucket", "CARTABLE_S3_BUCKET", "cartable", "S3 bucket, created at start when missing")
	b.str(&cfg.S3Region, "s3-region", "CARTABLE_S3_REGION", "us-east-1", "S3 region")
	b.boolean(&cfg.S3TLS, "s3-tls", "CARTABLE_S3_TLS", false, "use HTTPS to reach S3")
	b.str(&cfg.OIDCIssuer, "oidc-issuer", "CARTABLE_OIDC_ISSUER", "", "OIDC issuer whose JWKS signs access tokens")
	b.str(&cfg.OIDCAudience, "oidc-audience", "CARTABLE_OIDC_AUDIENCE", "", "expected token audience (empty: not checked)")
	b.str(&cfg.OIDCUserClaim, "oidc-user-claim", "CARTABLE_OIDC_USER_CLAIM", "sub", "claim holding the ENT user id (dotted path for nested claims)")
	b.str(&cfg.OIDCScopeClaim, "oidc-scope-claim", "CARTABLE_OIDC_SCOPE_CLAIM", "scope", "claim holding the token's scopes")
	b.boolean(&cfg.Dev, "dev", "CARTABLE_DEV", false, "dev mode: a built-in token issuer and GET /dev/token")
	b.str(&cfg.DevSecret, "dev-secret", "CARTABLE_DEV_SECRET", defaultDevSecret, "dev mode: seed of the dev issuer's key, shared by the dev nodes")
	b.boolean(&cfg.LinksEveryone, "links-everyone", "CARTABLE_LINKS_EVERYONE", false, "let pupils and parents create links too (by default only teachers and staff)")
	b.str(&cfg.WebhookURL, "webhook-url", "CARTABLE_WEBHOOK_URL", "", "where share, unshare and drop-box events are POSTed (empty: the feed only)")
	b.str(&cfg.WebhookSecret, "webhook-secret", "CARTABLE_WEBHOOK_SECRET", "", "secret of the events' HMAC-SHA256 signature (Cartable-Signature)")
	b.str(&cfg.SigningSecret, "signing-secret", "CARTABLE_SIGNING_SECRET", "", "secret of the signed download and thumbnail URLs, at least 32 bytes (required outside dev mode)")
	b.str(&cfg.SigningSecretPrevious, "signing-secret-previous", "CARTABLE_SIGNING_SECRET_PREVIOUS", "", "the signing secret before the current one, still accepted while it is rotated")
	b.duration(&cfg.SignedURLTTL, "signed-url-ttl", "CARTABLE_SIGNED_URL_TTL", 10*time.Minute, "how long a signed URL lives (1m to 1h)")
	b.str(&cfg.WOPIDiscoveryURL, "wopi-discovery-url", "CARTABLE_WOPI_DISCOVERY_URL", "", "the office server's discovery (https://office.example/hosting/discovery); empty: office editing is off")
	b.str(&cfg.WOPIURL, "wopi-url", "CARTABLE_WOPI_URL", "", "URL the office server reaches Cartable at, before /wopi/files/{id} (default: the public URL)")
	b.duration(&cfg.WOPITokenTTL, "wopi-token-ttl", "CARTABLE_WOPI_TOKEN_TTL", 4*time.Hour, "how long an office editor's access token lives (5m to 24h); access is checked again on every call")
	b.str(&cfg.CORSOrigins, "cors-origins", "CARTABLE_CORS_ORIGINS", "", "comma-separated browser origins allowed to call the API")
	b.str(&cfg.FrameAncestors, "frame-ancestors", "CARTABLE_FRAME_ANCESTORS", "", "comma-separated origins (the portal) allowed to frame the web app (empty: the CORS origins)")
	b.str(&cfg.MetricsToken, "metrics-token", "CARTABLE_METRICS_TOKEN", "", "Bearer token the Prometheus scraper sends to /metrics (empty: only this machine may read it)")
	b.str(&cfg.TrustedProxies, "trusted-proxies", "CARTABLE_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of the reverse proxies whose X-Forwarded-For is believed")
	b.integer(&cfg.MaxUploadBytes, "max-upload-bytes", "CARTABLE_MAX_UPLOAD_BYTES", 256<<20, "largest single-request upload")
	b.duration(&cfg.TrashRetention, "trash-retention", "CARTABLE_TRASH_RETENTION", 30*24*time.Hour, "how long trashed items are kept")
	b.duration(&cfg.ArchiveRetention, "archive-retention", "CARTABLE_ARCHIVE_RETENTION", 365*24*time.Hour, "how long an archived class space stays readable before it is trashed")
	b.duration(&cfg.AuditRetention, "audit-retention", "CARTABLE_AUDIT_RETENTION", audit.DefaultRetention, "how long audit log entries are kept before the retention job deletes them (the CNIL recommends 6 to 12 months)")
	b.duration(&cfg.EventsRetention, "events-retention", "CARTABLE_EVENTS_RETENTION", events.DefaultRetention, "how long the events feed keeps an event before the retention job deletes it")
	b.str(&cfg.Clamd, "clamd", "CARTABLE_CLAMD", "", "clamd's socket: unix:/run/clamav/clamd.ctl or host:3310 (empty: no antivirus)")
	b.str(&cfg.AntivirusFailure, "antivirus-failure", "CARTABLE_ANTIVIRUS_FAILURE", "closed", "what new files do while clamd does not answer: closed (they wait, read by their uploader only) or open (served unscanned, scanned once clamd is back)")
	b.integer(&cfg.AntivirusMaxBytes, "antivirus-max-bytes", "CARTABLE_ANTIVIRUS_MAX_BYTES", 1<<30, "how much of a file is scanned (a larger one on its first bytes); at most clamd's StreamMaxLength")
	b.integer(&cfg.AntivirusWorkers, "antivirus-workers", "CARTABLE_ANTIVIRUS_WORKERS", 1, "files scanned at once per node (scans queue behind a burst rather than take its cores; raise it on worker nodes)")
	b.duration(&cfg.LeaverRetention, "leaver-retention", "CARTABLE_LEAVER_RETENTION", leaver.DefaultRetention, "how long a deprovisioned user is kept (unable to sign in, back intact if provisioned again) before the purge job deletes them (the ENT regulation: three months)")
	b.str(&cfg.FolderTemplate, "folder-template", "CARTABLE_FOLDER_TEMPLATE", "", "the region's default folder template of new class spaces, paths separated by ';' (a structure's own template wins)")
	b.boolean(&cfg.Jobs, "jobs", "CARTABLE_JOBS", true, "serve also runs background jobs (trash purge, blob collection)")
	b.integer(&workers, "job-workers", "CARTABLE_JOB_WORKERS", 4, "concurrent background jobs per node")
	b.integer(&cfg.PreviewWorkers, "preview-workers", "CARTABLE_PREVIEW_WORKERS", int64(runtime.NumCPU()), "previews rendered at once per node (each holds one decoded image in memory)")
	b.integer(&cfg.PreviewMaxPixels, "preview-max-pixels", "CARTABLE_PREVIEW_MAX_PIXELS", preview.DefaultLimits.MaxPixels, "largest image, in pixels, that gets a preview (larger: a recorded failure)")
	b.integer(&cfg.PreviewMaxBytes, "preview-max-bytes", "CARTABLE_PREVIEW_MAX_BYTES", preview.DefaultLimits.MaxBytes, "largest file that gets a preview")
	b.duration(&cfg.PreviewTimeout, "preview-timeout", "CARTABLE_PREVIEW_TIMEOUT", preview.DefaultLimits.Timeout, "time limit of one preview, conversions included")
	b.integer(&cfg.PreviewConverterBytes, "preview-converter-bytes", "CARTABLE_PREVIEW_CONVERTER_BYTES", preview.DefaultLimits.ConverterMemory, "memory each process of a preview converter may use")
	b.integer(&cfg.UploadMaxBytes, "upload-max-bytes", "CARTABLE_UPLOAD_MAX_BYTES", 10<<30, "largest resumable upload")
	b.duration(&cfg.UploadExpiry, "upload-expiry", "CARTABLE_UPLOAD_EXPIRY", 24*time.Hour, "how long an unfinished resumable upload lives")
	b.duration(&cfg.UploadNetworkTimeout, "upload-network-timeout", "CARTABLE_UPLOAD_NETWORK_TIMEOUT", 60*time.Second, "how long an upload's body may stop coming before its request fails")
	b.integer(&cfg.UploadPartBytes, "upload-part-bytes", "CARTABLE_UPLOAD_PART_BYTES", 16<<20, "S3 part size of resumable uploads")
	b.integer(&cfg.UploadBufferedParts, "upload-buffered-parts", "CARTABLE_UPLOAD_BUFFERED_PARTS", 4, "parts of one upload buffered on disk while another is sent to S3")
	b.integer(&cfg.UploadConcurrentParts, "upload-concurrent-parts", "CARTABLE_UPLOAD_CONCURRENT_PARTS", 8, "parts of one upload sent to S3 at once")
	b.boolean(&cfg.UploadPartHashes, "upload-part-hashes", "CARTABLE_UPLOAD_PART_HASHES", false, "compute MD5 and SHA-256 of each part sent to S3 (integrity in transit; turn off when S3 is reached over TLS)")
	b.str(&cfg.UploadTempDir, "upload-temp-dir", "CARTABLE_UPLOAD_TEMP_DIR", "", "where parts are buffered (default: the system's temporary folder)")
	b.str(&cfg.LogLevel, "log-level", "CARTABLE_LOG_LEVEL", "info", "debug, info, warn or error")
	b.str(&cfg.LogFormat, "log-format", "CARTABLE_LOG_FORMAT", "json", "json or text")
	b.duration(&cfg.ShutdownTimeout, "shutdown-timeout", "CARTABLE_SHUTDOWN_TIMEOUT", 30*time.Second, "how long requests in flight may finish at shutdown")
	switch command {
	case "quota recompute":
		fs.StringVar(&cfg.StructureUAI, "structure", "", "UAI of the one structure to recompute (default: all)")
	case "previews requeue":
		fs.StringVar(&cfg.StructureUAI, "structure", "", "UAI of the one structure whose previews to render again (default: all)")
		fs.BoolVar(&cfg.RequeueAll, "all", false, "render the ready previews again too, not only the failed and missing ones")
	}
	if len(b.errs) > 0 {
		return cfg, nil, fmt.Errorf("configuration: %s", strings.Join(b.errs, "; "))
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fs.PrintDefaults()
			return cfg, nil, err
		}
		return cfg, nil, fmt.Errorf("%w (see cartable %s -h)", err, command)
	}
	cfg.JobWorkers = int(workers)
	return cfg, fs.Args(), nil
}

// s3 is the object store's configuration.
func (c Config) s3() storage.Config {
	return storage.Config{Endpoint: c.S3Endpoint, AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey,
		Bucket: c.S3Bucket, Region: c.S3Region, TLS: c.S3TLS, PayloadHashes: c.UploadPartHashes}
}

// folderTemplate is the region's default folder template, validated like a
// structure's.
func (c Config) folderTemplate() ([]string, error) {
	var paths []string
	for _, p := range strings.Split(c.FolderTemplate, ";") {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, p)
		}
	}
	return workspace.ValidateTemplate(paths)
}

// validate checks what every command that touches the stores needs.
func (c Config) validate() error {
	var missing []string
	if c.DatabaseURL == "" {
		missing = append(missing, "CARTABLE_DATABASE_URL")
	}
	if c.S3Endpoint == "" {
		missing = append(missing, "CARTABLE_S3_ENDPOINT")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing configuration: %s (see the README's configuration table)", strings.Join(missing, ", "))
	}
	if _, err := c.folderTemplate(); err != nil {
		return fmt.Errorf("CARTABLE_FOLDER_TEMPLATE: %w", err)
	}
	if c.ArchiveRetention <= 0 {
		return fmt.Errorf("CARTABLE_ARCHIVE_RETENTION must be positive")
	}
	if c.AuditRetention <= 0 {
		return fmt.Errorf("CARTABLE_AUDIT_RETENTION must be positive")
	}
	if c.EventsRetention <= 0 {
		return fmt.Errorf("CARTABLE_EVENTS_RETENTION must be positive")
	}
	if c.UploadNetworkTimeout <= 0 {
		return fmt.Errorf("CARTABLE_UPLOAD_NETWORK_TIMEOUT must be positive")
	}
	if c.AntivirusFailure != "closed" && c.AntivirusFailure != "open" {
		return fmt.Errorf("CARTABLE_ANTIVIRUS_FAILURE must be closed or open, not %q", c.AntivirusFailure)
	}
	if c.Clamd != "" {
		if _, err := antivirus.NewClamd(c.Clamd); err != nil {
			return fmt.Errorf("CARTABLE_CLAMD: %w", err)
		}
	}
	if c.LeaverRetention <= 0 {
		return fmt.Errorf("CARTABLE_LEAVER_RETENTION must be positive")
	}
	if !c.Dev && c.OIDCIssuer == "" {
		return fmt.Errorf("CARTABLE_OIDC_ISSUER is required outside dev mode: no token could be verified")
	}
	if !c.Dev && c.OIDCAudience == "" {
		return fmt.Errorf("CARTABLE_OIDC_AUDIENCE is required outside dev mode: without it, a token the identity provider issued to any other application of the ENT would be accepted")
	}
	if c.Dev && c.DevSecret == defaultDevSecret && !localURL(c.PublicURL) {
		return fmt.Errorf("dev mode on %s, reachable from other machines, needs CARTABLE_DEV_SECRET changed: with the default seed anyone can mint tokens", c.PublicURL)
	}
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		return fmt.Errorf("CARTABLE_WEBHOOK_URL needs CARTABLE_WEBHOOK_SECRET: without it the events would be signed with an empty key, which anyone can forge")
	}
	if !c.Dev && c.SigningSecret == "" {
		return fmt.Errorf("CARTABLE_SIGNING_SECRET is required outside dev mode: it signs the download and thumbnail URLs that need no Authorization header (at least %d bytes, e.g. `openssl rand -base64 32`)", presign.MinSecretBytes)
	}
	if _, err := c.downloadOrigin(); err != nil {
		return err
	}
	if _, err := c.signer(); err != nil {
		return fmt.Errorf("CARTABLE_SIGNING_SECRET, CARTABLE_SIGNING_SECRET_PREVIOUS or CARTABLE_SIGNED_URL_TTL: %w", err)
	}
	return c.validateWOPI()
}

// validateWOPI checks the office editing settings, when it is on.
func (c Config) validateWOPI() error {
	if c.WOPIDiscoveryURL == "" {
		return nil
	}
	for env, raw := range map[string]string{"CARTABLE_WOPI_DISCOVERY_URL": c.WOPIDiscoveryURL, "CARTABLE_WOPI_URL": c.wopiURL()} {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s=%q is not an http(s) URL", env, raw)
		}
	}
	if _, err := c.wopiTokens(); err != nil {
		return fmt.Errorf("CARTABLE_WOPI_TOKEN_TTL or CARTABLE_SIGNING_SECRET: %w", err)
	}
	return nil
}

// wopiURL is where the office server reaches Cartable.
func (c Config) wopiURL() string {
	if c.WOPIURL != "" {
		return strings.TrimSuffix(c.WOPIURL, "/")
	}
	return strings.TrimSuffix(c.PublicURL, "/")
}

// wopiTokens makes the signer of the office editor's access tokens, from the same
// secret as the signed URLs (its key is derived apart).
func (c Config) wopiTokens() (*wopi.Tokens, error) {
	return wopi.NewTokens(c.WOPITokenTTL, c.signingSecret(), c.SigningSecretPrevious)
}

// signer makes the signer of the URLs that need no Authorization header. In dev mode
// without a secret of its own, the secret derives from the dev secret, so that dev
// nodes sharing it accept each other's URLs as they accept each other's tokens.
func (c Config) signer() (*presign.Signer, error) {
	return presign.New(c.SignedURLTTL, c.signingSecret(), c.SigningSecretPrevious)
}

// signingSecret is CARTABLE_SIGNING_SECRET, or in dev mode without one a secret
// derived from the dev secret.
func (c Config) signingSecret() string {
	secret := c.SigningSecret
	if secret == "" && c.Dev {
		sum := sha256.Sum256([]byte("cartable signed URLs\x00" + c.DevSecret))
		secret = hex.EncodeToString(sum[:])
	}
	return secret
}

// defaultDevSecret seeds the dev issuer when CARTABLE_DEV_SECRET is not set: it is
// public, so it is only good on this machine.
const defaultDevSecret = "cartable-dev-only"

// localURL reports whether a URL names this machine (localhost or a loopback address).
func localURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// downloadOrigin reads CARTABLE_DOWNLOAD_ORIGIN as scheme://host[:port]: an origin
// and nothing more, other than the public URL's (the point is that files shown there
// reach neither the app nor the API).
func (c Config) downloadOrigin() (string, error) {
	if c.DownloadOrigin == "" {
		return "", nil
	}
	bad := func(why string) error {
		return fmt.Errorf("CARTABLE_DOWNLOAD_ORIGIN=%q %s", c.DownloadOrigin, why)
	}
	u, err := url.Parse(c.DownloadOrigin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", bad("is not an origin like https://fichiers.cartable.example.fr")
	}
	if strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", bad("must be an origin only, without a path")
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	if public, err := url.Parse(c.PublicURL); err == nil && strings.EqualFold(public.Scheme+"://"+public.Host, origin) {
		return "", bad("is the public URL's origin: it must be another host name")
	}
	return origin, nil
}

func (c Config) corsOrigins() []string { return list(c.CORSOrigins) }

// frameAncestors are the origins allowed to frame the web app: the portal's, which
// are the CORS origins unless set apart.
func (c Config) frameAncestors() []string {
	if c.FrameAncestors != "" {
		return list(c.FrameAncestors)
	}
	return c.corsOrigins()
}

// trustedProxies reads CARTABLE_TRUSTED_PROXIES: addresses or CIDRs.
func (c Config) trustedProxies() ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, p := range list(c.TrustedProxies) {
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("CARTABLE_TRUSTED_PROXIES: %q is not an address or a CIDR", p)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

// list splits a comma-separated setting.
func list(v string) []string {
	var out []string
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}
