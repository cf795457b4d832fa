package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// startDurable starts a private PostgreSQL in a scratch folder, with the durable
// settings of a production server (the stack's and the cluster's have fsync off),
// and returns its URL and a function that stops it and removes the folder.
func startDurable(ctx context.Context) (string, func(), error) {
	bin, err := pgBin()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "cartable-bench-notify-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	asPostgres, err := runAs(dir)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := asPostgres(filepath.Join(bin, "initdb"), "-D", data, "-U", "cartable", "--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		cleanup()
		return "", nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=200", port, dir)
	if out, err := asPostgres(filepath.Join(bin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start", "-o", opts).CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("start: %v\n%s", err, out)
	}
	stop := func() {
		asPostgres(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop").Run()
		cleanup()
	}
	url := fmt.Sprintf("postgres://cartable@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			conn.Close(ctx)
			return url, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pgBin is the newest installed PostgreSQL's bin folder, as the stack finds it.
func pgBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server installed (make bench's stack installs one)")
}

// runAs makes the commands that run PostgreSQL's programs: as the postgres user
// when this runs as root (initdb refuses root), as this user otherwise.
func runAs(dir string) (func(name string, args ...string) *exec.Cmd, error) {
	if os.Geteuid() != 0 {
		return exec.Command, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a postgres user (the stack creates it): %w", err)
	}
	if out, err := exec.Command("chown", "-R", u.Username, dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("chown %s: %v\n%s", dir, err, out)
	}
	return func(name string, args ...string) *exec.Cmd {
		return exec.Command("runuser", append([]string{"-u", u.Username, "--", name}, args...)...)
	}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
