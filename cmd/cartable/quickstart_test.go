package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestQuickStart runs the commands of the README's quick start that follow `make
// dev` (a token, the spaces, an upload and a share), as printed, with bash and curl
// against an instance, and checks that a pupil of 6A then reads the file.
func TestQuickStart(t *testing.T) {
	needTool(t, "bash")
	needTool(t, "curl")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The block that gets a token, in the quick start.
	quick := readme[:bytes.Index(readme, []byte("\n## Configuration"))]
	m := regexp.MustCompile("(?ms)^```sh\n(TOKEN=.*?)^```$").FindSubmatch(quick)
	if m == nil {
		t.Fatal("the README's quick start has no ```sh block starting with TOKEN=")
	}
	in := startWith(t, func(cfg *Config) {
		proxy := httptest.NewServer(contractProxy(t, cfg.PublicURL))
		t.Cleanup(proxy.Close)
		cfg.PublicURL = proxy.URL
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	script := strings.ReplaceAll(string(m[1]), "http://localhost:8080", in.url)
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = "../.." // where README.md, the file it uploads, is
	out, err := cmd.CombinedOutput()
	t.Logf("%s\n%s", script, out)
	if err != nil {
		t.Fatalf("the quick start's commands failed: %v", err)
	}
	pupil := in.as("eleve.6a.01")
	shared := pupil.shared()
	if len(shared) != 1 || shared[0].Name != "README.md" {
		t.Fatalf("after the quick start, 6A's pupil is shared %+v, want README.md", shared)
	}
	if got := pupil.get(itemPath(shared[0].ID, "/content")); !bytes.Equal(got.body, readme) {
		t.Errorf("the pupil reads %d bytes, not the README", len(got.body))
	}
}
