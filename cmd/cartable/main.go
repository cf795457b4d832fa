// Command cartable is the one binary of Cartable, the document workspace of the ENT.
//
//	cartable serve     serve the API (and run the background jobs, unless -jobs=false)
//	cartable worker    run the background jobs only
//	cartable migrate   apply the database migrations
//	cartable dev       migrate, load the demo data and serve with the dev token issuer
//	cartable import F  load a directory file (structures, users, groups) in one transaction
//	cartable collect   delete unreferenced blobs and expired trash now
//	cartable quota recompute [-structure UAI]   rebuild the quota books and report drift
//	cartable previews requeue [-structure UAI] [-all]   render previews again
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "cartable:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: cartable <command> [flags]

commands:
  serve      serve the API (and run the background jobs, unless -jobs=false)
  worker     run the background jobs only
  migrate    apply the database migrations
  dev        migrate, load the demo data and serve with the dev token issuer
  import F   load a directory file (structures, users, groups) in one transaction
  collect    delete unreferenced blobs and expired trash now
  quota recompute [-structure UAI]
             rebuild the quota books from the versions and report what drifted
  previews requeue [-structure UAI] [-all]
             enqueue the failed and missing previews (-all: every one) for the workers

Run "cartable <command> -h" for the flags; each has an environment variable.`

// run is the whole program; main only calls it, and tests can too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" || args[0] == "--help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	command := args[0]
	if command == "quota" {
		if len(args) < 2 || args[1] != "recompute" {
			return errors.New("usage: cartable quota recompute [-structure UAI]")
		}
		command, args = "quota recompute", args[1:]
	}
	if command == "previews" {
		if len(args) < 2 || args[1] != "requeue" {
			return errors.New("usage: cartable previews requeue [-structure UAI] [-all]")
		}
		command, args = "previews requeue", args[1:]
	}
	cfg, rest, err := parseConfig(command, args[1:], getenv)
	if err != nil {
		return err
	}
	if command == "dev" {
		cfg.Dev = true
	}
	log := newLogger(cfg, stdout)
	switch command {
	case "serve":
		return serve(ctx, cfg, log, nil)
	case "worker":
		return work(ctx, cfg, log)
	case "migrate":
		return migrate(ctx, cfg, log)
	case "dev":
		return dev(ctx, cfg, log, stdout)
	case "import":
		if len(rest) != 1 {
			return errors.New("usage: cartable import FILE")
		}
		return importFile(ctx, cfg, log, rest[0])
	case "collect":
		return collect(ctx, cfg, log)
	case "quota recompute":
		return recomputeQuotas(ctx, cfg, log, stdout)
	case "previews requeue":
		return requeuePreviews(ctx, cfg, log, stdout)
	}
	return fmt.Errorf("unknown command %q\n%s", command, usage)
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
