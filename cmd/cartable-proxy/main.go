// Command cartable-proxy is the small round-robin reverse proxy of the local cluster
// (`make cluster`): it spreads requests over a few backends, skips those whose
// health check fails, and sends a request that could not reach a backend to the next
// one. It stands in for the load balancer or ingress controller of a real
// deployment; it is not meant to face the Internet.
//
//	cartable-proxy -listen 127.0.0.1:8080 -backends http://127.0.0.1:8081,http://127.0.0.1:8082
//
// The cluster runs two: one in front of the API nodes (health check /readyz), one in
// front of the MinIO nodes (health check /minio/health/live), so that the API nodes
// reach whichever MinIO node is up.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"cartable/balancer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "cartable-proxy:", err)
		os.Exit(1)
	}
}

// config is the proxy's command line.
type config struct {
	listen         string
	backends       []string
	healthPath     string
	healthInterval time.Duration
}

func parseFlags(args []string) (config, error) {
	var cfg config
	var backends string
	fs := flag.NewFlagSet("cartable-proxy", flag.ContinueOnError)
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&backends, "backends", "", "comma-separated backend URLs (http://host:port)")
	fs.StringVar(&cfg.healthPath, "health-path", "/readyz", "path every backend answers 2xx on when it can serve")
	fs.DurationVar(&cfg.healthInterval, "health-interval", time.Second, "how often each backend is checked")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	for _, b := range strings.Split(backends, ",") {
		if b = strings.TrimSpace(b); b != "" {
			cfg.backends = append(cfg.backends, b)
		}
	}
	if len(cfg.backends) == 0 {
		return cfg, errors.New("give at least one backend with -backends")
	}
	return cfg, nil
}

func run(ctx context.Context, args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	proxy, err := balancer.New(cfg.backends, balancer.Options{HealthPath: cfg.healthPath, NameBackend: true}, log)
	if err != nil {
		return err
	}
	proxy.Check(ctx)
	go proxy.Watch(ctx, cfg.healthInterval)
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.listen, err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("proxy listening", "addr", ln.Addr().String(), "backends", cfg.backends, "health", cfg.healthPath)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
