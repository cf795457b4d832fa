// Command notify measures what announcing a changed blob costs the commits that
// announce it. Every preview stage and antivirus verdict sends a NOTIFY in the
// transaction that records it (package live), and PostgreSQL serializes the
// commits of transactions that notified: each takes a database-wide lock before
// its commit record and holds it until the commit is durable. deploy/CAPACITY.md
// names it the first limit of the 8:00 burst at ten times the region.
//
// It runs short write transactions (one INSERT, as a stage's record is one write)
// from many connections for a few seconds, with one LISTEN connection draining
// the notifications, in three ways:
//
//   - plain: no NOTIFY;
//   - in each transaction: live.NotifyTx without an announcer, a pg_notify
//     before the commit, as Cartable's jobs did until 2026-12-04;
//   - batched: live.NotifyTx with a live.Announcer in the context, as the jobs
//     do now: the committed ids sent together every 20 ms (one NOTIFY of up to
//     some 200 ids).
//
// It drives package live itself, in db.Transact transactions, so that what it
// measures is the code the jobs run.
//
// against two PostgreSQLs: the stack's (fsync and synchronous_commit off, as the
// tests run) and a private one it starts with the durable settings a production
// server has (fsync and synchronous_commit on), on this machine's disk.
//
//	go run ./bench/notify      (make bench: with the test stack started)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"cartable/bench/record"
)

func main() {
	seconds := flag.Float64("seconds", 5, "seconds each measurement lasts")
	clientsFlag := flag.String("clients", "8,64", "connections committing at once, one measurement each")
	durable := flag.Bool("durable", true, "also measure on a private PostgreSQL with fsync and synchronous_commit on")
	md := flag.String("md", "BENCHMARKS.md", "file whose notify section is rewritten (empty: none)")
	out := flag.String("out", "bench/results", "folder of the raw results (empty: none)")
	flag.Parse()
	var clients []int
	for _, c := range strings.Split(*clientsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			log.Fatalf("-clients: %q is not a number of connections", c)
		}
		clients = append(clients, n)
	}
	base := os.Getenv("CARTABLE_DATABASE_URL")
	if base == "" {
		log.Fatal("run through `make bench`: CARTABLE_DATABASE_URL is not set")
	}
	ctx := context.Background()
	r := Report{Machine: record.Machine(), Date: time.Now().UTC().Format(time.RFC3339), Seconds: *seconds}
	servers := []server{{name: "the stack's (fsync off, synchronous_commit off)", url: base}}
	if *durable {
		private, stop, err := startDurable(ctx)
		if err != nil {
			log.Fatalf("durable PostgreSQL: %v", err)
		}
		defer stop()
		servers = append(servers, server{name: "durable (fsync on, synchronous_commit on), this machine's disk", url: private})
	}
	for _, s := range servers {
		for _, n := range clients {
			for _, m := range modes {
				res, err := measure(ctx, s.url, m, n, time.Duration(*seconds*float64(time.Second)))
				if err != nil {
					log.Fatalf("%s, %s, %d clients: %v", s.name, m, n, err)
				}
				res.Server = s.name
				logf("%-60s %-22s %3d clients: %7.0f commits/s, p50 %.2f ms, p99 %.2f ms, %d notices heard",
					s.name, m, n, res.CommitsPerSec, res.P50ms, res.P99ms, res.Heard)
				r.Results = append(r.Results, res)
			}
		}
	}
	if *out != "" {
		path, err := record.Raw(*out, "notify", r)
		if err != nil {
			log.Fatal(err)
		}
		logf("raw results in %s", path)
	}
	section := r.Markdown()
	if *md != "" {
		if err := record.Section(*md, "notify", section); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Print(section)
}

type server struct{ name, url string }

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
