package main

import (
	"context"
	"fmt"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/bench/region"
	"cartable/workspace"
)

// mediaTypes are the picker's filters measured.
var mediaTypes = []string{workspace.MediaAll, workspace.MediaImages, workspace.MediaVideo}

// measureMedia measures the first page of the media picker (GET /api/v1/media) as
// the teacher and the pupil, after checking once, by reading the pupil's whole
// listing, that it holds their own private work and no other pupil's.
func measureMedia(ctx context.Context, ws *workspace.Service, pool *pgxpool.Pool, w region.World, n int) []figure {
	if err := checkPupilMedia(ctx, ws, w.Pupil); err != nil {
		log.Fatal(err)
	}
	var out []figure
	for _, who := range []struct {
		name string
		c    *cartable.Caller
	}{{"teacher", w.Teacher}, {"pupil", w.Pupil}} {
		for _, t := range mediaTypes {
			opts := workspace.MediaOptions{Type: t, PageRequest: cartable.PageRequest{Limit: 50}}
			var found int
			list := func(ws *workspace.Service) error {
				page, err := ws.Media(ctx, who.c, opts)
				found = len(page.Items)
				return err
			}
			p50, p99, err := timings(n, func() error { return list(ws) })
			if err != nil {
				log.Fatalf("%s lists media %q: %v", who.name, t, err)
			}
			logf("%-8s media %-8s %3d found  p50 %.2f ms p99 %.2f ms", who.name, t, found, p50, p99)
			f := figure{media: true, who: who.name, query: t, found: found, p50: p50, p99: p99}
			if t == workspace.MediaAll {
				f.plan = explain(ctx, pool, list)
			}
			out = append(out, f)
		}
	}
	return out
}

// checkPupilMedia reads every page of the pupil's media and fails when one lies in
// another pupil's private folder, or when the pupil's own private work is missing.
func checkPupilMedia(ctx context.Context, ws *workspace.Service, pupil *cartable.Caller) error {
	opts := workspace.MediaOptions{PageRequest: cartable.PageRequest{Limit: cartable.MaxPageSize}}
	total, own := 0, 0
	for {
		page, err := ws.Media(ctx, pupil, opts)
		if err != nil {
			return fmt.Errorf("pupil's media: %w", err)
		}
		for _, f := range page.Items {
			switch f.PrivateTo {
			case "":
			case pupil.UserID:
				own++
			default:
				return fmt.Errorf("the pupil's media hold %s, private to %s", f.Name, f.PrivateTo)
			}
		}
		total += len(page.Items)
		if page.NextCursor == "" {
			break
		}
		opts.Cursor = page.NextCursor
	}
	if own == 0 {
		return fmt.Errorf("the pupil's media (%d) hold none of their own private work", total)
	}
	pupilMediaTotal, pupilMediaOwn = total, own
	logf("pupil's media: %d in all, %d of them their own private work, none of another pupil's", total, own)
	return nil
}

// pupilMediaTotal and pupilMediaOwn are what checkPupilMedia found, for the report.
var pupilMediaTotal, pupilMediaOwn int
