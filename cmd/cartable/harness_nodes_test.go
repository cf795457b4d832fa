package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"cartable/balancer"
)

// testNodes is how many nodes each integration test runs behind a round-robin proxy:
// CARTABLE_TEST_NODES, 1 (the server alone) by default. With 3, every test of the
// suite talks to three nodes of the program on its database and bucket, through the
// proxy of the local cluster (package balancer), so consecutive requests of one
// client land on different nodes: what works on one node must work through it.
func testNodes(t *testing.T) int {
	raw := os.Getenv("CARTABLE_TEST_NODES")
	if raw == "" {
		return 1
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		t.Fatalf("CARTABLE_TEST_NODES=%q is not a number of nodes", raw)
	}
	return n
}

// startNodes starts nodes 2 to n of a test's program, with the first node's
// configuration, and the proxy on public (the test's URL) in front of them all; the
// proxy keeps the X-Forwarded-For a test sends, since the tests of client addresses
// play the ingress in front of it (and trust 127.0.0.1 when they want it believed). It
// returns the listener the first node must serve on, and a function that waits until
// every node answers /readyz through the proxy's checks.
func startNodes(t *testing.T, ctx context.Context, cfg Config, log *slog.Logger, public net.Listener, n int) (net.Listener, func()) {
	t.Helper()
	listeners := make([]net.Listener, n)
	backends := make([]string, n)
	for i := range listeners {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listeners[i], backends[i] = ln, "http://"+ln.Addr().String()
	}
	for _, ln := range listeners[1:] {
		node, err := open(ctx, cfg, log)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- node.run(ctx, ln) }()
		t.Cleanup(func() {
			if err := <-done; err != nil {
				t.Errorf("node %s stopped with %v", ln.Addr(), err)
			}
			node.close()
		})
	}
	proxy, err := balancer.New(backends, balancer.Options{HealthPath: "/readyz", KeepForwardedFor: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(public); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("proxy: %v", err)
		}
	}()
	t.Cleanup(func() { srv.Close() })
	waitAll := func() {
		deadline := time.Now().Add(time.Minute)
		for proxy.Check(ctx) < n {
			if time.Now().After(deadline) {
				t.Fatalf("the %d nodes did not all become ready", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return listeners[0], waitAll
}
