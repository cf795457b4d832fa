package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	devdata "cartable/deploy/dev"
	"cartable/directory"
	"cartable/migrations"
	"cartable/quota"
)

// serve runs the API on cfg.Listen (or on ln when given, for tests) and, unless
// disabled, the background jobs, until ctx ends.
func serve(ctx context.Context, cfg Config, log *slog.Logger, ln net.Listener) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.checkSchema(ctx); err != nil {
		return err
	}
	return a.run(ctx, ln)
}

// run serves HTTP and runs the jobs until ctx ends.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	srv, err := a.server(ctx)
	if err != nil {
		return err
	}
	if a.cfg.Jobs {
		if err := a.startJobs(ctx); err != nil {
			return err
		}
		defer stopJobs(a.river.Stop, a.log)
	}
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	go a.uploads.Run(listenCtx)
	go a.listenForChanges(listenCtx)
	if ln == nil {
		if ln, err = net.Listen("tcp", a.cfg.Listen); err != nil {
			return fmt.Errorf("listen on %s: %w", a.cfg.Listen, err)
		}
	}
	return a.serveHTTP(ctx, ln, srv)
}

func stopJobs(stop func(context.Context) error, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		log.Warn("stop jobs", "err", err)
	}
}

// work runs the background jobs only, until ctx ends.
func work(ctx context.Context, cfg Config, log *slog.Logger) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.checkSchema(ctx); err != nil {
		return err
	}
	if err := a.startJobs(ctx); err != nil {
		return err
	}
	log.Info("worker started")
	<-ctx.Done()
	stopJobs(a.river.Stop, log)
	return nil
}

func migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if err := migrations.Up(ctx, a.pool); err != nil {
		return err
	}
	log.Info("migrations applied")
	return nil
}

func importFile(ctx context.Context, cfg Config, log *slog.Logger, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return importBundle(ctx, cfg, log, f)
}

func importBundle(ctx context.Context, cfg Config, log *slog.Logger, r io.Reader) error {
	bundle, err := directory.LoadBundle(r)
	if err != nil {
		return fmt.Errorf("read directory file: %w", err)
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	report, err := directory.Import(ctx, a.pool, bundle)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	log.Info("directory imported", "report", report)
	return nil
}

// collect runs the sweepers once, now.
func collect(ctx context.Context, cfg Config, log *slog.Logger) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	purged, err := a.workspace.PurgeExpiredTrash(ctx, time.Now())
	if err != nil {
		return err
	}
	deleted, err := a.workspace.CollectBlobs(ctx)
	if err != nil {
		return err
	}
	log.Info("collected", "trash_purged", purged, "blobs_deleted", deleted)
	return nil
}

// dev migrates, loads the demo data and serves with the dev token issuer.
func dev(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if err := migrations.Up(ctx, a.pool); err != nil {
		return err
	}
	bundle, err := directory.LoadBundle(bytes.NewReader(devdata.Demo))
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	if _, err := directory.Import(ctx, a.pool, bundle); err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if err := a.workspace.SeedTemplate(ctx, devdata.DemoStructure, devdata.DemoFolderTemplate); err != nil {
		return fmt.Errorf("demo folder template: %w", err)
	}
	fmt.Fprintf(stdout, devBanner, cfg.PublicURL)
	return a.run(ctx, nil)
}

const devBanner = `
Cartable (dev mode) on %[1]s with the demo collège 0600001A.
Get a token for a demo user, then call the API:

  TOKEN=$(curl -s '%[1]s/dev/token?user=prof.martin' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -H "Authorization: Bearer $TOKEN" %[1]s/api/v1/spaces

Users: prof.martin, prof.bernard, eleve.6a.01..25, eleve.5b.01..25, parent.6a.01.. (the parent of eleve.6a.01), admin.college;
service.provisioning gets a provisioning token (scope cartable:admin).
The collège's class spaces start with its folder template (Cours, Devoirs, Photos de classe), which
admin.college edits on /etablissement/0600001A, where "Passer à la nouvelle année" archives the classes.

`

// recomputeQuotas rebuilds the quota books (of one structure, by UAI, or of all) and
// prints what had drifted, one line per figure.
func recomputeQuotas(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	structureID := ""
	if cfg.StructureUAI != "" {
		if structureID, err = a.structureByUAI(ctx, cfg.StructureUAI); err != nil {
			return err
		}
	}
	drift, err := quota.Recompute(ctx, a.pool, structureID)
	if err != nil {
		return err
	}
	for _, d := range drift {
		fmt.Fprintf(stdout, "drift %s %s: recorded %s, actual %s (fixed)\n", d.Account, d.Field, orNone(d.Recorded), orNone(d.Actual))
	}
	fmt.Fprintf(stdout, "%d figure(s) corrected\n", len(drift))
	return nil
}

func orNone(p *int64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

// structureByUAI returns the id of the structure with a UAI.
func (a *app) structureByUAI(ctx context.Context, uai string) (string, error) {
	var id string
	if err := a.pool.QueryRow(ctx, `SELECT id FROM structures WHERE uai = $1`, uai).Scan(&id); err != nil {
		return "", fmt.Errorf("no structure with UAI %s", uai)
	}
	return id, nil
}

// requeuePreviews enqueues the previews to render again, structure by structure:
// after the first deployment of previews over existing files, or after installing a
// converter (-all: after an upgrade of the renderer). The running workers render them.
func requeuePreviews(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	var structures []string
	if cfg.StructureUAI != "" {
		id, err := a.structureByUAI(ctx, cfg.StructureUAI)
		if err != nil {
			return err
		}
		structures = []string{id}
	} else if structures, err = a.allStructures(ctx); err != nil {
		return err
	}
	total := 0
	for _, id := range structures {
		n, err := a.previews.RequeueStructure(ctx, a.pool, id, cfg.RequeueAll)
		if err != nil {
			return err
		}
		total += n
	}
	fmt.Fprintf(stdout, "%d preview(s) enqueued in %d structure(s)\n", total, len(structures))
	return nil
}

func (a *app) allStructures(ctx context.Context) ([]string, error) {
	rows, err := a.pool.Query(ctx, `SELECT id FROM structures ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list structures: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list structures: %w", err)
	}
	return ids, nil
}
