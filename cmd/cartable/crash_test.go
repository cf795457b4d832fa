package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	devdata "cartable/deploy/dev"
	"cartable/directory"
	"cartable/pgtest"
	"cartable/quota"
	"cartable/storage"
	"cartable/storagetest"
	"cartable/workspace"
)

// TestSIGKILLDuringUploads kills the real binary while uploads stream in, then
// checks that no file lost its blob, and that after the collector ran no blob is
// left without a file.
func TestSIGKILLDuringUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	t.Parallel()
	ctx := context.Background()
	bin, dbURL, s3, pool := binaryStack(t)
	base, proc := startBinary(t, bin, dbURL, s3, "")
	token := devTokenFor(t, base, "prof.martin")
	root := personalRoot(t, base, token)

	// Four uploads that finish, then eight that are cut off mid-stream.
	for i := 0; i < 4; i++ {
		if status := uploadSlowly(base, token, root, fmt.Sprintf("fini-%d.bin", i), 1<<20, 0); status != http.StatusCreated {
			t.Fatalf("upload %d: status %d", i, status)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uploadSlowly(base, token, root, fmt.Sprintf("coupé-%d.bin", i), 8<<20, 40*time.Millisecond)
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	wg.Wait()

	store, err := storage.New(ctx, s3)
	if err != nil {
		t.Fatal(err)
	}
	// No file without its bytes.
	rows, err := pool.Query(ctx, `SELECT b.key FROM versions v JOIN blobs b ON b.id = v.blob_id`)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys = append(keys, k)
	}
	if len(keys) < 4 {
		t.Fatalf("%d versions, want at least the 4 finished uploads", len(keys))
	}
	for _, k := range keys {
		if ok, err := store.Exists(ctx, k); err != nil || !ok {
			t.Errorf("version blob %s missing from storage (%v)", k, err)
		}
	}
	var pending int
	pool.QueryRow(ctx, `SELECT count(*) FROM blobs WHERE pending_until IS NOT NULL`).Scan(&pending)
	if pending == 0 {
		t.Fatal("no upload was in flight when the server was killed: the test proves nothing")
	}

	// The cut uploads' quota and blobs are held by a lease of minutes, not a day:
	// once it has run out, the periodic release gives everything back.
	lease := workspace.DefaultConfig.UploadLease
	var held, longHeld int
	pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE expires_at > now() + $1::interval)
		FROM quota_reservations`, lease.String()).Scan(&held, &longHeld)
	if held == 0 || longHeld != 0 {
		t.Errorf("%d reservations left by the killed node, %d of them held longer than the %s lease", held, longHeld, lease)
	}
	pool.QueryRow(ctx, `SELECT count(*) FROM blobs WHERE pending_until > now() + $1::interval`, lease.String()).Scan(&longHeld)
	if longHeld != 0 {
		t.Errorf("%d pending blobs held longer than the %s lease", longHeld, lease)
	}
	if _, err := quota.ReleaseExpired(ctx, pool, time.Now().Add(lease+time.Minute)); err != nil {
		t.Fatal(err)
	}
	var reserved int64
	pool.QueryRow(ctx, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`).Scan(&reserved)
	if reserved != 0 {
		t.Errorf("%d bytes still reserved once the leases ran out", reserved)
	}

	// Then the collector removes what the crash left behind, unfinished multipart
	// uploads included.
	if _, err := pool.Exec(ctx, `UPDATE blobs SET pending_until = now() - interval '1 second' WHERE pending_until IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d unfinished multipart uploads left by the killed node", len(unfinishedUploads(t, store)))
	ws := workspace.New(pool, store, workspace.Config{}, slog.New(slog.DiscardHandler))
	if _, err := ws.CollectBlobs(ctx); err != nil {
		t.Fatal(err)
	}
	live := map[string]bool{}
	for _, k := range keys {
		live[k] = true
	}
	objects := 0
	for obj, err := range store.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		objects++
		if !live[obj.Key] {
			t.Errorf("object %s has no version after collection", obj.Key)
		}
	}
	if left := unfinishedUploads(t, store); len(left) != 0 {
		t.Errorf("unfinished multipart uploads left after collection: %v", left)
	}
	var blobs int
	pool.QueryRow(ctx, `SELECT count(*) FROM blobs`).Scan(&blobs)
	if objects != len(live) || blobs != len(live) {
		t.Errorf("%d objects and %d blob rows for %d live blobs", objects, blobs, len(live))
	}
}

// binaryStack builds the binary and gives it a database with the demo data and a
// bucket of its own; the pool lets the test look at the database.
func binaryStack(t *testing.T) (bin, dbURL string, s3 storage.Config, pool *pgxpool.Pool) {
	t.Helper()
	bin = buildBinary(t)
	dbURL, s3 = pgtest.URL(t), storagetest.Config(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	bundle, _ := directory.LoadBundle(bytes.NewReader(devdata.Demo))
	if _, err := directory.Import(context.Background(), pool, bundle); err != nil {
		t.Fatal(err)
	}
	return bin, dbURL, s3, pool
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildBinary builds the cartable binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cartable-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cartable")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// startBinary runs `cartable serve` in dev mode on a free port. Nodes given the same
// publicURL (the address a load balancer would have) accept each other's tokens.
func startBinary(t *testing.T, bin, dbURL string, s3 storage.Config, publicURL string) (string, *exec.Cmd) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	if publicURL == "" {
		publicURL = base
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		// A dev secret of the test's own: dev mode refuses the public default on a
		// public URL that is not this machine's.
		"CARTABLE_LISTEN="+addr, "CARTABLE_PUBLIC_URL="+publicURL, "CARTABLE_DEV=true", "CARTABLE_JOBS=false",
		"CARTABLE_DEV_SECRET=nodes-of-one-test",
		"CARTABLE_DATABASE_URL="+dbURL, "CARTABLE_S3_ENDPOINT="+s3.Endpoint, "CARTABLE_S3_ACCESS_KEY="+s3.AccessKey,
		"CARTABLE_S3_SECRET_KEY="+s3.SecretKey, "CARTABLE_S3_BUCKET="+s3.Bucket, "CARTABLE_S3_REGION="+s3.Region)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	for i := 0; i < 200; i++ {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base, cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the binary did not become ready:\n%s", logs.String())
	return "", nil
}

func devTokenFor(t *testing.T, base, user string) string {
	t.Helper()
	res, err := http.Get(base + "/dev/token?user=" + user)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

func personalRoot(t *testing.T, base, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/spaces", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Spaces []struct {
			Kind   string `json:"kind"`
			RootID string `json:"root_id"`
		} `json:"spaces"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	for _, sp := range out.Spaces {
		if sp.Kind == "personal" {
			return sp.RootID
		}
	}
	t.Fatal("no personal space")
	return ""
}

// uploadSlowly sends size bytes in 256 KiB chunks with a pause between them, and
// returns the status (0 when the connection broke).
func uploadSlowly(base, token, parent, name string, size int, pause time.Duration) int {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", name)
		chunk := bytes.Repeat([]byte{'x'}, 256<<10)
		for sent := 0; err == nil && sent < size; sent += len(chunk) {
			_, err = part.Write(chunk)
			time.Sleep(pause)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/items/"+parent+"/children", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}
