// Package node runs Cartable for a benchmark as production runs it: the binary
// built from this tree, `cartable serve` on a free port, over a fresh database
// (migrated, with the demo collège) and a fresh bucket of the stack's MinIO. The
// stack is the one `make bench` starts (CARTABLE_DATABASE_URL, CARTABLE_S3_*).
package node

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
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

// Env is what the nodes of a benchmark run against.
type Env struct {
	Dir    string // scratch folder, removed by TearDown
	Bin    string // the cartable binary
	BaseDB string // the stack's database URL, where the fresh database is made
	DBURL  string // the fresh database
	Bucket string
	S3     map[string]string // the stack's CARTABLE_S3_* settings
	Minio  *minio.Client
	// settings are added to every node's environment.
	settings map[string]string
}

// Process is a server started for the benchmark.
type Process struct {
	Cmd  *exec.Cmd
	Base string // http://host:port
}

// SetUp builds the binary and makes the database and the bucket, named after the
// benchmark; settings go to every node it starts.
func SetUp(ctx context.Context, name string, settings map[string]string) (*Env, error) {
	e := &Env{S3: map[string]string{}, BaseDB: os.Getenv("CARTABLE_DATABASE_URL"), settings: settings}
	for _, k := range []string{"CARTABLE_S3_ENDPOINT", "CARTABLE_S3_ACCESS_KEY", "CARTABLE_S3_SECRET_KEY", "CARTABLE_S3_REGION"} {
		e.S3[k] = os.Getenv(k)
	}
	if e.BaseDB == "" || e.S3["CARTABLE_S3_ENDPOINT"] == "" {
		return nil, fmt.Errorf("run through `make bench`: CARTABLE_DATABASE_URL and CARTABLE_S3_* are not set")
	}
	var err error
	if e.Dir, err = os.MkdirTemp("", "cartable-bench-"+name+"-"); err != nil {
		return nil, err
	}
	stamp := time.Now().UnixNano()
	steps := []func(context.Context) error{
		e.build,
		func(ctx context.Context) error { return e.objectStore(ctx, fmt.Sprintf("bench-%s-%d", name, stamp)) },
		func(ctx context.Context) error { return e.database(ctx, fmt.Sprintf("bench_%s_%d", name, stamp)) },
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			e.TearDown()
			return nil, err
		}
	}
	return e, nil
}

// Fresh is another database and bucket, made as SetUp makes them, for the same
// binary and settings: a benchmark whose scenarios each start from scratch builds
// once. Its TearDown leaves e as it is.
func (e *Env) Fresh(ctx context.Context, name string) (*Env, error) {
	f := &Env{S3: e.S3, BaseDB: e.BaseDB, settings: e.settings, Bin: e.Bin}
	var err error
	if f.Dir, err = os.MkdirTemp("", "cartable-bench-"+name+"-"); err != nil {
		return nil, err
	}
	stamp := time.Now().UnixNano()
	if err := f.objectStore(ctx, fmt.Sprintf("bench-%s-%d", name, stamp)); err != nil {
		f.TearDown()
		return nil, err
	}
	if err := f.database(ctx, fmt.Sprintf("bench_%s_%d", name, stamp)); err != nil {
		f.TearDown()
		return nil, err
	}
	return f, nil
}

func (e *Env) build(ctx context.Context) error {
	e.Bin = filepath.Join(e.Dir, "cartable")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", e.Bin, "./cmd/cartable").CombinedOutput(); err != nil {
		return fmt.Errorf("build cartable: %v\n%s", err, out)
	}
	return nil
}

// database creates a fresh database, migrates it and loads the demo collège.
func (e *Env) database(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, e.BaseDB)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	u, _ := url.Parse(e.BaseDB)
	u.Path = "/" + name
	e.DBURL = u.String()
	for _, args := range [][]string{{"migrate"}, {"import", "deploy/dev/demo.json"}} {
		cmd := exec.CommandContext(ctx, e.Bin, args...)
		cmd.Env = e.ServerEnv(nil)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("cartable %v: %v\n%s", args, err, out)
		}
	}
	return nil
}

func (e *Env) objectStore(ctx context.Context, bucket string) error {
	client, err := minio.New(e.S3["CARTABLE_S3_ENDPOINT"], &minio.Options{
		Creds: credentials.NewStaticV4(e.S3["CARTABLE_S3_ACCESS_KEY"], e.S3["CARTABLE_S3_SECRET_KEY"], ""),
	})
	if err != nil {
		return err
	}
	e.Minio, e.Bucket = client, bucket
	return client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: e.S3["CARTABLE_S3_REGION"]})
}

// ServerEnv is the environment of a Cartable node, with extra settings.
func (e *Env) ServerEnv(extra map[string]string) []string {
	all := map[string]string{"CARTABLE_DATABASE_URL": e.DBURL, "CARTABLE_S3_BUCKET": e.Bucket,
		"CARTABLE_DEV": "true", "CARTABLE_JOBS": "false", "CARTABLE_LOG_LEVEL": "warn"}
	maps.Copy(all, e.settings)
	maps.Copy(all, extra)
	out := os.Environ()
	for k, v := range all {
		out = append(out, k+"="+v)
	}
	return out
}

// StartCartable runs one Cartable node with the extra settings, and waits until
// it is ready. BENCH_SERVER_LOGS shows its output.
func (e *Env) StartCartable(ctx context.Context, extra map[string]string) (*Process, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	settings := map[string]string{"CARTABLE_LISTEN": addr, "CARTABLE_PUBLIC_URL": "http://" + addr}
	maps.Copy(settings, extra)
	cmd := exec.Command(e.Bin, "serve")
	cmd.Env = e.ServerEnv(settings)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if os.Getenv("BENCH_SERVER_LOGS") != "" {
		cmd.Stdout = os.Stderr
	}
	return Start(ctx, cmd, "http://"+addr, "/readyz")
}

// Start runs a server and waits until probe answers below 500 (a GET of
// /readyz, an OPTIONS of any other path).
func Start(ctx context.Context, cmd *exec.Cmd, base, probe string) (*Process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Cmd: cmd, Base: base}
	method := http.MethodOptions
	if probe == "/readyz" {
		method = http.MethodGet
	}
	for range 300 {
		req, _ := http.NewRequestWithContext(ctx, method, base+probe, nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode < 500 {
				return p, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Stop()
	return nil, fmt.Errorf("%s did not start", cmd.Path)
}

// FreeAddr is a local address nobody listens on.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Stop interrupts the server, and kills it after 10 s.
func (p *Process) Stop() {
	if p == nil || p.Cmd.Process == nil {
		return
	}
	_ = p.Cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.Cmd.Process.Kill()
	}
}

// EmptyBucket removes every object and unfinished multipart upload of the bucket:
// between two measurements, so that the tens of GiB a run writes never fill the
// disk (MinIO refuses writes below its free-space threshold). Cartable's objects go
// too, behind its back: nothing reads them again.
func (e *Env) EmptyBucket(ctx context.Context) error {
	objects := make(chan minio.ObjectInfo)
	go func() {
		defer close(objects)
		for obj := range e.Minio.ListObjects(ctx, e.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err == nil {
				objects <- obj
			}
		}
	}()
	var err error
	for res := range e.Minio.RemoveObjects(ctx, e.Bucket, objects, minio.RemoveObjectsOptions{}) {
		err = cmp.Or(err, res.Err)
	}
	for up := range e.Minio.ListIncompleteUploads(ctx, e.Bucket, "", true) {
		if up.Err == nil {
			err = cmp.Or(err, e.Minio.RemoveIncompleteUpload(ctx, e.Bucket, up.Key))
		}
	}
	return err
}

// TearDown removes the bucket, the database and the scratch folder.
func (e *Env) TearDown() {
	ctx := context.Background()
	if e.Minio != nil && e.Bucket != "" {
		if e.EmptyBucket(ctx) == nil {
			_ = e.Minio.RemoveBucket(ctx, e.Bucket)
		}
	}
	if e.DBURL != "" {
		if conn, err := pgx.Connect(ctx, e.BaseDB); err == nil {
			u, _ := url.Parse(e.DBURL)
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+strings.TrimPrefix(u.Path, "/")+" WITH (FORCE)")
			conn.Close(ctx)
		}
	}
	_ = os.RemoveAll(e.Dir)
}
