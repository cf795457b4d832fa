package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// User is one simulated active user: a teacher or a pupil at a screen, who
// thinks, then does one operation of the mix, again and again.
type User struct {
	acct    *Account
	world   *World
	folders []*Folder // what the user reads
	link    *Link
	rng     *rand.Rand
	cfg     *Config
}

// uploads numbers the files the users send, so that no two names clash.
var uploads atomic.Int64

// newUser is the n-th virtual user. One in ten is a teacher (a collège has about
// 60 staff for 600 pupils); the pupils take the demo's pupil accounts in turn.
func newUser(n int, w *World, cfg *Config) *User {
	var a *Account
	if n%10 == 0 {
		a = w.Teachers[(n/10)%len(w.Teachers)]
	} else {
		pupils := w.pupils()
		a = pupils[(n-n/10-1)%len(pupils)]
	}
	return &User{acct: a, world: w, folders: w.readable(a), link: NewLink(cfg.LinkBits),
		rng: rand.New(rand.NewPCG(uint64(n), cfg.Seed)), cfg: cfg}
}

// run loops until ctx ends: a think time, then an operation, recorded in the
// recorder current when it ends (the step it ends in: an upload over a slow link
// may outlast the step it began in, and would otherwise never be counted).
func (u *User) run(ctx context.Context, current func() *Recorder) {
	for {
		wait := time.Duration(think(u.rng, u.cfg.Think.Seconds()) * float64(time.Second))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		s := u.do(ctx, u.cfg.Mix.Draw(u.rng))
		if ctx.Err() != nil {
			return // cut by the end of the run, not by the server
		}
		current().Add(s)
	}
}

// do runs one operation as the web app would.
func (u *User) do(ctx context.Context, op Op) Sample {
	c := u.acct.Client
	switch op {
	case OpSpaces:
		return timed(op, func() Answer { return get(ctx, c, "/api/v1/spaces") })
	case OpList:
		f := u.folders[u.rng.IntN(len(u.folders))]
		return timed(op, func() Answer { return get(ctx, c, "/api/v1/items/"+f.ID+"/children?limit=100") })
	case OpItem:
		id := u.folders[u.rng.IntN(len(u.folders))].ID
		if f, ok := u.file(func(File) bool { return true }); ok && u.rng.IntN(2) == 0 {
			id = f.ID
		}
		return timed(op, func() Answer { return get(ctx, c, "/api/v1/items/"+id) })
	case OpThumbnail:
		return u.thumbnail(ctx)
	case OpDownload:
		return u.download(ctx)
	case OpSearch:
		q := url.QueryEscape(searchWords[u.rng.IntN(len(searchWords))])
		return timed(op, func() Answer { return get(ctx, c, "/api/v1/search?limit=50&q="+q) })
	case OpShared:
		return timed(op, func() Answer { return get(ctx, c, "/api/v1/shared?limit=50") })
	case OpRecent:
		return timed(op, func() Answer { return get(ctx, c, "/api/v1/recent?limit=50") })
	case OpShare:
		return u.share(ctx)
	case OpUpload:
		return u.upload(ctx, u.uploadFolder(), u.cfg.Sizes)
	}
	panic(fmt.Sprintf("unknown operation %q", op))
}

// file is a file the user reads that keep accepts (a few tries: false when
// none is found).
func (u *User) file(keep func(File) bool) (File, bool) {
	for range 8 {
		f := u.folders[u.rng.IntN(len(u.folders))]
		if len(f.Files) == 0 {
			continue
		}
		if x := f.Files[u.rng.IntN(len(f.Files))]; keep(x) {
			return x, true
		}
	}
	return File{}, false
}

// thumbnail fetches a photo's thumbnail as a listing shows it (small mostly,
// medium for the grid view), in WebP as a browser asks.
func (u *User) thumbnail(ctx context.Context) Sample {
	f, ok := u.file(func(f File) bool { return f.Image })
	if !ok {
		return u.do(ctx, OpList)
	}
	size := "small"
	if u.rng.IntN(10) < 3 {
		size = "medium"
	}
	return timed(OpThumbnail, func() Answer {
		return get(ctx, u.acct.Client, "/api/v1/items/"+f.ID+"/thumbnails/"+size, "Accept", "image/webp,image/*")
	})
}

// download reads a whole file of under 10 MB (most are under 1 MB, as the mix
// has them): a bigger one's time is the user's bandwidth, not the server's.
func (u *User) download(ctx context.Context) Sample {
	f, ok := u.file(func(f File) bool { return f.Size < 10<<20 })
	if !ok {
		return u.do(ctx, OpList)
	}
	return timed(OpDownload, func() Answer { return get(ctx, u.acct.Client, "/api/v1/items/"+f.ID+"/content") })
}

// share gives a read to someone: a teacher shares a class file with a pupil,
// a pupil one of their own files with a classmate. A share given before is a
// 409 the mix expects.
func (u *User) share(ctx context.Context) Sample {
	var file File
	var to string
	if u.acct.Teacher {
		c := u.world.Classes[u.rng.IntN(len(u.world.Classes))]
		sub := c.Subjects[u.rng.IntN(len(c.Subjects))]
		if len(sub.Files) == 0 {
			return u.do(ctx, OpList)
		}
		file, to = sub.Files[u.rng.IntN(len(sub.Files))], c.Pupils[u.rng.IntN(len(c.Pupils))].ID
	} else {
		own := u.acct.Own.Files
		if len(own) == 0 {
			return u.do(ctx, OpShared)
		}
		file, to = own[u.rng.IntN(len(own))], u.classmate()
	}
	body := fmt.Sprintf(`{"grantee":{"kind":"user","id":%q},"role":"viewer"}`, to)
	return timed(OpShare, func() Answer {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.acct.Base+"/api/v1/items/"+file.ID+"/permissions", strings.NewReader(body))
		if err != nil {
			return Answer{Err: err}
		}
		req.Header.Set("Content-Type", "application/json")
		return send(u.acct.Client, req)
	})
}

// classmate is another pupil of the user's class, drawn at random.
func (u *User) classmate() string {
	mates := u.world.Classes[u.acct.Class].Pupils
	j := u.rng.IntN(len(mates) - 1)
	if mates[j].ID == u.acct.ID {
		j = len(mates) - 1 // the user's own place goes to the last pupil
	}
	return mates[j].ID
}

// uploadFolder is where the user's uploads go: a teacher's to a class folder,
// a pupil's to their own space.
func (u *User) uploadFolder() string {
	if u.acct.Teacher {
		c := u.world.Classes[u.rng.IntN(len(u.world.Classes))]
		return c.Subjects[u.rng.IntN(len(c.Subjects))].ID
	}
	return u.acct.Own.ID
}

// upload sends a file of the size mix into folder through tus over the user's
// throttled link; its Transfer is the time the link held the bytes back.
func (u *User) upload(ctx context.Context, folder string, sizes Sizes) Sample {
	size := sizes.Draw(u.rng)
	img := size < 1<<20 && u.rng.Float64() < imageShare
	body, size := u.world.content(u.rng, size, img)
	name := fileName(u.rng, int(1_000_000+uploads.Add(1)), img)
	throttled := u.link.Reader(body)
	s := timed(OpUpload, func() Answer {
		return tusUpload(ctx, u.acct.Client, folder, name, size, throttled)
	})
	s.Bytes, s.Transfer = size, throttled.Slept().Seconds()
	return s
}
