package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// env is what the peers run against: one database, one bucket, one MinIO.
type env struct {
	dir     string
	dbURL   string
	baseDB  string
	s3      map[string]string
	minio   *minio.Client
	bucket  string
	cartBin string
	tusdBin string
	tusd    *process
}

// process is a server started for the benchmark.
type process struct {
	cmd  *exec.Cmd
	base string
}

func (p *process) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

func setUp(ctx context.Context) (*env, error) {
	e := &env{s3: map[string]string{}}
	for _, k := range []string{"CARTABLE_S3_ENDPOINT", "CARTABLE_S3_ACCESS_KEY", "CARTABLE_S3_SECRET_KEY", "CARTABLE_S3_REGION"} {
		e.s3[k] = os.Getenv(k)
	}
	e.baseDB = os.Getenv("CARTABLE_DATABASE_URL")
	if e.baseDB == "" || e.s3["CARTABLE_S3_ENDPOINT"] == "" {
		return nil, fmt.Errorf("run through `make bench`: CARTABLE_DATABASE_URL and CARTABLE_S3_* are not set")
	}
	var err error
	if e.dir, err = os.MkdirTemp("", "cartable-bench-"); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{e.build, e.findTusd, e.database, e.objectStore, e.startTusd}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			e.tearDown()
			return nil, err
		}
	}
	return e, nil
}

func (e *env) build(ctx context.Context) error {
	e.cartBin = filepath.Join(e.dir, "cartable")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", e.cartBin, "./cmd/cartable").CombinedOutput()
	if err != nil {
		return fmt.Errorf("build cartable: %v\n%s", err, out)
	}
	return nil
}

// findTusd finds stock tusd, installing the version the issue names when missing.
func (e *env) findTusd(ctx context.Context) error {
	gobin, _ := exec.Command("go", "env", "GOPATH").Output()
	e.tusdBin = filepath.Join(strings.TrimSpace(string(gobin)), "bin", "tusd")
	if _, err := os.Stat(e.tusdBin); err == nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/tus/tusd/v2/cmd/tusd@v2.9.1")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("install tusd: %v\n%s", err, out)
	}
	return nil
}

// database creates a fresh database, migrates it and loads the demo collège.
func (e *env) database(ctx context.Context) error {
	name := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, e.baseDB)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	u, _ := url.Parse(e.baseDB)
	u.Path = "/" + name
	e.dbURL = u.String()
	for _, args := range [][]string{{"migrate"}, {"import", "deploy/dev/demo.json"}} {
		cmd := exec.CommandContext(ctx, e.cartBin, args...)
		cmd.Env = e.cartableEnv(nil)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("cartable %v: %v\n%s", args, err, out)
		}
	}
	return nil
}

func (e *env) objectStore(ctx context.Context) error {
	e.bucket = fmt.Sprintf("bench-%d", time.Now().UnixNano())
	client, err := minio.New(e.s3["CARTABLE_S3_ENDPOINT"], &minio.Options{
		Creds: credentials.NewStaticV4(e.s3["CARTABLE_S3_ACCESS_KEY"], e.s3["CARTABLE_S3_SECRET_KEY"], ""),
	})
	if err != nil {
		return err
	}
	e.minio = client
	return client.MakeBucket(ctx, e.bucket, minio.MakeBucketOptions{Region: e.s3["CARTABLE_S3_REGION"]})
}

// cartableEnv is the environment of a Cartable node, with extra settings.
func (e *env) cartableEnv(extra map[string]string) []string {
	out := append(os.Environ(), "CARTABLE_DATABASE_URL="+e.dbURL, "CARTABLE_S3_BUCKET="+e.bucket,
		"CARTABLE_DEV=true", "CARTABLE_JOBS=false", "CARTABLE_LOG_LEVEL=warn", "CARTABLE_DB_MAX_CONNS=40")
	for k, v := range extra {
		out = append(out, k+"="+v)
	}
	return out
}

// startCartable runs a Cartable node with the given S3 store settings.
func (e *env) startCartable(ctx context.Context, settings map[string]string) (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	extra := map[string]string{"CARTABLE_LISTEN": addr, "CARTABLE_PUBLIC_URL": "http://" + addr}
	for k, v := range settings {
		extra[k] = v
	}
	cmd := exec.Command(e.cartBin, "serve")
	cmd.Env = e.cartableEnv(extra)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if os.Getenv("BENCH_SERVER_LOGS") != "" {
		cmd.Stdout = os.Stderr
	}
	return start(ctx, cmd, "http://"+addr, "/readyz")
}

// startTusd runs stock tusd on the same bucket, under its own prefix.
func (e *env) startTusd(ctx context.Context) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(e.tusdBin, "-host", host, "-port", port, "-base-path", "/files/",
		"-s3-bucket", e.bucket, "-s3-endpoint", "http://"+e.s3["CARTABLE_S3_ENDPOINT"], "-s3-object-prefix", "tusd/",
		"-upload-dir", filepath.Join(e.dir, "tusd"))
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+e.s3["CARTABLE_S3_ACCESS_KEY"],
		"AWS_SECRET_ACCESS_KEY="+e.s3["CARTABLE_S3_SECRET_KEY"], "AWS_REGION="+e.s3["CARTABLE_S3_REGION"])
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	e.tusd, err = start(ctx, cmd, "http://"+addr, "/files/")
	return err
}

func start(ctx context.Context, cmd *exec.Cmd, base, probe string) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, base: base}
	for i := 0; i < 300; i++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodOptions, base+probe, nil)
		if probe == "/readyz" {
			req.Method = http.MethodGet
		}
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode < 500 {
				return p, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not start", cmd.Path)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// emptyBucket removes every object and unfinished multipart upload of the bucket:
// between two measurements, so that the tens of GiB a run writes never fill the
// disk (MinIO refuses writes below its free-space threshold). Cartable's objects go
// too, behind its back: nothing reads them again.
func (e *env) emptyBucket(ctx context.Context) error {
	objects := make(chan minio.ObjectInfo)
	go func() {
		defer close(objects)
		for obj := range e.minio.ListObjects(ctx, e.bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err == nil {
				objects <- obj
			}
		}
	}()
	var err error
	for res := range e.minio.RemoveObjects(ctx, e.bucket, objects, minio.RemoveObjectsOptions{}) {
		err = cmp.Or(err, res.Err)
	}
	for up := range e.minio.ListIncompleteUploads(ctx, e.bucket, "", true) {
		if up.Err == nil {
			err = cmp.Or(err, e.minio.RemoveIncompleteUpload(ctx, e.bucket, up.Key))
		}
	}
	return err
}

func (e *env) tearDown() {
	e.tusd.stop()
	if e.minio != nil && e.bucket != "" {
		ctx := context.Background()
		_ = e.emptyBucket(ctx)
		_ = e.minio.RemoveBucket(ctx, e.bucket)
	}
	if e.dbURL != "" {
		if conn, err := pgx.Connect(context.Background(), e.baseDB); err == nil {
			u, _ := url.Parse(e.dbURL)
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+strings.TrimPrefix(u.Path, "/")+" WITH (FORCE)")
			conn.Close(context.Background())
		}
	}
	_ = os.RemoveAll(e.dir)
}
