package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"cartable/bench/node"
)

// env is what the peers run against: Cartable's binary, database and bucket
// (package node), and stock tusd on the same bucket under its own prefix.
type env struct {
	*node.Env
	tusdBin string
	tusd    *node.Process
}

func setUp(ctx context.Context) (*env, error) {
	n, err := node.SetUp(ctx, "uploads", map[string]string{"CARTABLE_DB_MAX_CONNS": "40"})
	if err != nil {
		return nil, err
	}
	e := &env{Env: n}
	for _, step := range []func(context.Context) error{e.findTusd, e.startTusd} {
		if err := step(ctx); err != nil {
			e.tearDown()
			return nil, err
		}
	}
	return e, nil
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

// startTusd runs stock tusd on the same bucket, under its own prefix.
func (e *env) startTusd(ctx context.Context) error {
	addr, err := node.FreeAddr()
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(e.tusdBin, "-host", host, "-port", port, "-base-path", "/files/",
		"-s3-bucket", e.Bucket, "-s3-endpoint", "http://"+e.S3["CARTABLE_S3_ENDPOINT"], "-s3-object-prefix", "tusd/",
		"-upload-dir", filepath.Join(e.Dir, "tusd"))
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+e.S3["CARTABLE_S3_ACCESS_KEY"],
		"AWS_SECRET_ACCESS_KEY="+e.S3["CARTABLE_S3_SECRET_KEY"], "AWS_REGION="+e.S3["CARTABLE_S3_REGION"])
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	e.tusd, err = node.Start(ctx, cmd, "http://"+addr, "/files/")
	return err
}

func (e *env) tearDown() {
	e.tusd.Stop()
	e.Env.TearDown()
}
