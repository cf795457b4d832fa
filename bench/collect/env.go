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

// env is what the server runs against: a fresh database with the demo collège, a
// fresh bucket of the stack's MinIO, and the binary built from this tree.
type env struct {
	dir, baseDB, dbURL, bucket, bin string
	s3                              map[string]string
	minio                           *minio.Client
}

// process is the server started for the benchmark.
type process struct {
	cmd  *exec.Cmd
	base string
}

func setUp(ctx context.Context) (*env, error) {
	e := &env{s3: map[string]string{}, baseDB: os.Getenv("CARTABLE_DATABASE_URL")}
	for _, k := range []string{"CARTABLE_S3_ENDPOINT", "CARTABLE_S3_ACCESS_KEY", "CARTABLE_S3_SECRET_KEY", "CARTABLE_S3_REGION"} {
		e.s3[k] = os.Getenv(k)
	}
	if e.baseDB == "" || e.s3["CARTABLE_S3_ENDPOINT"] == "" {
		return nil, fmt.Errorf("run through `make bench`: CARTABLE_DATABASE_URL and CARTABLE_S3_* are not set")
	}
	var err error
	if e.dir, err = os.MkdirTemp("", "cartable-bench-collect-"); err != nil {
		return nil, err
	}
	for _, step := range []func(context.Context) error{e.build, e.objectStore, e.database} {
		if err := step(ctx); err != nil {
			e.tearDown()
			return nil, err
		}
	}
	return e, nil
}

func (e *env) build(ctx context.Context) error {
	e.bin = filepath.Join(e.dir, "cartable")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", e.bin, "./cmd/cartable").CombinedOutput(); err != nil {
		return fmt.Errorf("build cartable: %v\n%s", err, out)
	}
	return nil
}

// database creates a fresh database, migrates it and loads the demo collège.
func (e *env) database(ctx context.Context) error {
	name := fmt.Sprintf("bench_collect_%d", time.Now().UnixNano())
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
		cmd := exec.CommandContext(ctx, e.bin, args...)
		cmd.Env = e.serverEnv(nil)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("cartable %v: %v\n%s", args, err, out)
		}
	}
	return nil
}

func (e *env) objectStore(ctx context.Context) error {
	e.bucket = fmt.Sprintf("bench-collect-%d", time.Now().UnixNano())
	client, err := minio.New(e.s3["CARTABLE_S3_ENDPOINT"], &minio.Options{
		Creds: credentials.NewStaticV4(e.s3["CARTABLE_S3_ACCESS_KEY"], e.s3["CARTABLE_S3_SECRET_KEY"], ""),
	})
	if err != nil {
		return err
	}
	e.minio = client
	return client.MakeBucket(ctx, e.bucket, minio.MakeBucketOptions{Region: e.s3["CARTABLE_S3_REGION"]})
}

func (e *env) serverEnv(extra map[string]string) []string {
	out := append(os.Environ(), "CARTABLE_DATABASE_URL="+e.dbURL, "CARTABLE_S3_BUCKET="+e.bucket,
		"CARTABLE_DEV=true", "CARTABLE_JOBS=false", "CARTABLE_LOG_LEVEL=warn")
	for k, v := range extra {
		out = append(out, k+"="+v)
	}
	return out
}

// startCartable runs one Cartable node, as `cartable serve` runs in production.
func (e *env) startCartable(ctx context.Context) (*process, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(e.bin, "serve")
	cmd.Env = e.serverEnv(map[string]string{"CARTABLE_LISTEN": addr, "CARTABLE_PUBLIC_URL": "http://" + addr})
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, base: "http://" + addr}
	for range 300 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/readyz", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("cartable did not start")
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

func (e *env) tearDown() {
	ctx := context.Background()
	if e.minio != nil && e.bucket != "" {
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
		if err == nil {
			_ = e.minio.RemoveBucket(ctx, e.bucket)
		}
	}
	if e.dbURL != "" {
		if conn, err := pgx.Connect(ctx, e.baseDB); err == nil {
			u, _ := url.Parse(e.dbURL)
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+strings.TrimPrefix(u.Path, "/")+" WITH (FORCE)")
			conn.Close(ctx)
		}
	}
	_ = os.RemoveAll(e.dir)
}
