package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/pgtest"
	"cartable/presign"
	"cartable/storagetest"
)

func TestParseConfig(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		args    []string
		getenv  func(string) string
		check   func(Config) bool
		wantErr string
	}{
		{"defaults", nil, env(), func(c Config) bool {
			return c.Listen == ":8080" && c.S3Bucket == "cartable" && c.MaxUploadBytes == 256<<20 && c.TrashRetention == 720*time.Hour && c.Jobs &&
				c.SignedURLTTL == 10*time.Minute
		}, ""},
		{"environment", nil, env("CARTABLE_LISTEN", ":9000", "CARTABLE_S3_TLS", "true", "CARTABLE_TRASH_RETENTION", "48h"), func(c Config) bool {
			return c.Listen == ":9000" && c.S3TLS && c.TrashRetention == 48*time.Hour
		}, ""},
		{"flags win over environment", []string{"-listen", ":7000"}, env("CARTABLE_LISTEN", ":9000"), func(c Config) bool { return c.Listen == ":7000" }, ""},
		{"bad boolean", nil, env("CARTABLE_DEV", "maybe"), nil, "CARTABLE_DEV"},
		{"bad duration", nil, env("CARTABLE_SHUTDOWN_TIMEOUT", "soon"), nil, "CARTABLE_SHUTDOWN_TIMEOUT"},
		{"bad integer", nil, env("CARTABLE_MAX_UPLOAD_BYTES", "lots"), nil, "CARTABLE_MAX_UPLOAD_BYTES"},
		{"unknown flag", []string{"-colour"}, env(), nil, "colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := parseConfig("serve", tt.args, tt.getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(cfg) {
				t.Fatalf("config = %+v, %v", cfg, err)
			}
		})
	}
}

func TestValidateConfig(t *testing.T) {
	cfg, _, _ := parseConfig("serve", nil, func(string) string { return "" })
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "CARTABLE_DATABASE_URL") {
		t.Errorf("missing database: %v", err)
	}
	cfg.DatabaseURL, cfg.S3Endpoint = "postgres://x", "localhost:9000"
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "CARTABLE_OIDC_ISSUER") {
		t.Errorf("no issuer outside dev mode: %v", err)
	}
	cfg.OIDCIssuer = "https://sso.example.fr"
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "CARTABLE_OIDC_AUDIENCE") {
		t.Errorf("no audience outside dev mode: %v", err)
	}
	cfg.OIDCAudience = "cartable"
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "CARTABLE_SIGNING_SECRET") {
		t.Errorf("no signing secret outside dev mode: %v", err)
	}
	for _, tc := range []struct {
		secret, previous string
		ttl              time.Duration
		ok               bool
	}{
		{strings.Repeat("s", 32), "", 10 * time.Minute, true},
		{strings.Repeat("s", 32), strings.Repeat("p", 32), 5 * time.Minute, true},
		{"too short", "", 10 * time.Minute, false},
		{strings.Repeat("s", 32), "too short", 10 * time.Minute, false},
		{strings.Repeat("s", 32), "", 10 * time.Second, false},
		{strings.Repeat("s", 32), "", 24 * time.Hour, false},
	} {
		cfg.SigningSecret, cfg.SigningSecretPrevious, cfg.SignedURLTTL = tc.secret, tc.previous, tc.ttl
		if err := cfg.validate(); (err == nil) != tc.ok {
			t.Errorf("signing secret %q, previous %q, TTL %s: %v, want ok=%v", tc.secret, tc.previous, tc.ttl, err, tc.ok)
		}
	}
	cfg.SigningSecret, cfg.SigningSecretPrevious, cfg.SignedURLTTL = "", "", 10*time.Minute
	cfg.Dev, cfg.OIDCIssuer, cfg.OIDCAudience = true, "", ""
	for _, tc := range []struct {
		publicURL, secret string
		ok                bool
	}{
		{"http://localhost:8080", defaultDevSecret, true},
		{"http://127.0.0.1:18080", defaultDevSecret, true},
		{"http://[::1]:8080", defaultDevSecret, true},
		{"https://cartable.ent.example.fr", defaultDevSecret, false},
		{"http://10.1.2.3:8080", defaultDevSecret, false},
		{"https://cartable.ent.example.fr", "a-secret-of-our-own", true},
	} {
		cfg.PublicURL, cfg.DevSecret = tc.publicURL, tc.secret
		if err := cfg.validate(); (err == nil) != tc.ok {
			t.Errorf("dev mode on %s with secret %q: %v, want ok=%v", tc.publicURL, tc.secret, err, tc.ok)
		}
	}
	cfg.PublicURL, cfg.DevSecret = "http://localhost:8080", defaultDevSecret
	cfg.WebhookURL = "https://portail.example.fr/hooks/cartable"
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "CARTABLE_WEBHOOK_SECRET") {
		t.Errorf("a webhook without a secret: %v", err)
	}
	cfg.WebhookSecret = "s3cret"
	if err := cfg.validate(); err != nil {
		t.Errorf("a webhook with its secret: %v", err)
	}
	for _, tc := range []struct {
		origin, want string
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://Fichiers.Cartable.example.fr/", "https://fichiers.cartable.example.fr"},
		{"http://localhost:8080", ""},             // the public URL's origin
		{"https://fichiers.example.fr/files", ""}, // a path
		{"fichiers.example.fr", ""},               // no scheme
		{"ftp://fichiers.example.fr", ""},         // not the web
		{"https://fichiers.example.fr/?x=1", ""},  // a query
		{"https://user@fichiers.example.fr", ""},  // credentials
	} {
		cfg.DownloadOrigin = tc.origin
		got, err := cfg.downloadOrigin()
		if got != tc.want || (err == nil) != (tc.want != "") || (cfg.validate() == nil) != (tc.want != "") {
			t.Errorf("download origin %q: %q, %v; want %q", tc.origin, got, err, tc.want)
		}
	}
}

// TestDevSigningSecret: in dev mode without a secret of its own, the signing secret
// derives from the dev secret, so that dev nodes sharing it accept each other's URLs;
// a secret of its own wins.
func TestDevSigningSecret(t *testing.T) {
	cfg, _, _ := parseConfig("dev", nil, func(string) string { return "" })
	cfg.Dev = true
	target := presign.Target{ItemID: uuid.New(), VersionID: uuid.New()}
	token, _ := mustSigner(t, cfg).Sign(presign.Holder{UserID: "prof.martin"}, target)
	same, other, own := cfg, cfg, cfg
	other.DevSecret = "another dev secret"
	own.SigningSecret = strings.Repeat("s", 32)
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{{"same dev secret", same, true}, {"another dev secret", other, false}, {"a signing secret of its own", own, false}} {
		if _, _, err := mustSigner(t, tc.cfg).Verify(token, target); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func mustSigner(t *testing.T, cfg Config) *presign.Signer {
	t.Helper()
	s, err := cfg.signer()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestImportAndMigrateCommands runs `cartable migrate` and `cartable import FILE` as
// a user would, through run.
func TestImportAndMigrateCommands(t *testing.T) {
	t.Parallel()
	s3 := storagetest.Config(t)
	dbURL := pgtest.URL(t)
	env := map[string]string{
		"CARTABLE_DATABASE_URL": dbURL, "CARTABLE_S3_ENDPOINT": s3.Endpoint, "CARTABLE_S3_ACCESS_KEY": s3.AccessKey,
		"CARTABLE_S3_SECRET_KEY": s3.SecretKey, "CARTABLE_S3_BUCKET": s3.Bucket, "CARTABLE_DEV": "true",
	}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"migrate"}, getenv, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	file := filepath.Join(t.TempDir(), "annuaire.json")
	os.WriteFile(file, []byte(`{"structures":[{"id":"0590002B","uai":"0590002B","name":"Lycée Test"}],
		"users":[{"id":"u1","display_name":"Élève Un","profile":"Student","structures":[{"structure_id":"0590002B"}]}],
		"groups":[{"id":"g1","structure_id":"0590002B","kind":"class","name":"2nde 1","members":[{"user_id":"u1","profile":"Student"}]}]}`), 0o600)
	if err := run(ctx, []string{"import", file}, getenv, &out); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var members int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM group_members WHERE group_id = 'g1'`).Scan(&members); err != nil || members != 1 {
		t.Errorf("members after import = %d, %v", members, err)
	}
	os.WriteFile(file, []byte(`{"structures":[{"id":"x","uai":"bad","name":"X"}]}`), 0o600)
	if err := run(ctx, []string{"import", file}, getenv, &out); err == nil {
		t.Error("importing a bad UAI succeeded")
	}
	out.Reset()
	if err := run(ctx, []string{"quota", "recompute", "-structure", "0590002B"}, getenv, &out); err != nil || !strings.Contains(out.String(), "0 figure(s) corrected") {
		t.Errorf("quota recompute: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"quota", "recompute", "-structure", "9999999Z"}, getenv, &out); err == nil {
		t.Error("recomputing an unknown UAI succeeded")
	}
	out.Reset()
	if err := run(ctx, []string{"previews", "requeue", "-all"}, getenv, &out); err != nil || !strings.Contains(out.String(), "0 preview(s) enqueued in 1 structure(s)") {
		t.Errorf("previews requeue: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"previews", "requeue", "-structure", "9999999Z"}, getenv, &out); err == nil {
		t.Error("re-enqueueing the previews of an unknown UAI succeeded")
	}
	if err := run(ctx, []string{"collect"}, getenv, &out); err != nil {
		t.Errorf("collect: %v", err)
	}
	if err := run(ctx, []string{"frobnicate"}, getenv, &out); err == nil {
		t.Error("an unknown command succeeded")
	}
}

// TestREADMEDocumentsEverySetting keeps the README's configuration table complete.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	source, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile(`"(CARTABLE_[A-Z_]+)"`).FindAllStringSubmatch(string(source), -1)
	if len(vars) < 20 {
		t.Fatalf("found only %d settings in config.go", len(vars))
	}
	for _, v := range vars {
		if !strings.Contains(string(readme), "| `"+v[1]+"` |") {
			t.Errorf("README's configuration table lacks %s", v[1])
		}
	}
}
