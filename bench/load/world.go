package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"

	"cartable/bench/node"
)

// The demo collège (deploy/dev/demo.json): two classes of 25 pupils, both
// taught by the same two teachers. When there are more virtual users than
// accounts, virtual users share accounts: the server sees more sessions of the
// same people, which is what matters for its load.
var (
	demoTeachers = []string{"prof.martin", "prof.bernard"}
	demoClasses  = []demoClass{{"0600001A-6A", "6a"}, {"0600001A-5B", "5b"}}
)

type demoClass struct{ group, prefix string }

// pupilsPerClass is the size of a demo class.
const pupilsPerClass = 25

// File is a file of the working set.
type File struct {
	ID    string
	Size  int64
	Image bool
}

// Folder is a folder of the working set and the files seeded in it.
type Folder struct {
	ID    string
	Files []File
}

// Account is a demo user, signed in.
type Account struct {
	*node.Client
	ID      string
	Teacher bool
	Class   int     // the pupil's class (index of World.Classes); -1 for a teacher
	Own     *Folder // the root of the personal space, with the files the user seeded there
}

// Class is a class space and the folders the teachers filled.
type Class struct {
	Name     string
	Root     string
	Subjects []*Folder
	Homework string // where the 8:00 burst sends its files
	Pupils   []*Account
}

// World is the working set the virtual users read and write.
type World struct {
	Teachers []*Account
	Classes  []*Class
	// Shelves are teachers' folders of resources, shared with the classes.
	Shelves []*Folder
	images  [][]byte // the photos uploads draw from
}

// pupils is every pupil account, class after class.
func (w *World) pupils() []*Account {
	var out []*Account
	for _, c := range w.Classes {
		out = append(out, c.Pupils...)
	}
	return out
}

// readable is the folders a user reads: their home, their class spaces (every
// class for a teacher), the shared shelves.
func (w *World) readable(a *Account) []*Folder {
	out := []*Folder{a.Own}
	for i, c := range w.Classes {
		if a.Teacher || a.Class == i {
			out = append(out, c.Subjects...)
		}
	}
	return append(out, w.Shelves...)
}

// signIn signs every demo account in (dev mode's tokens) through api.
func signIn(ctx context.Context, api *node.Process) (*World, error) {
	w := &World{}
	for _, id := range demoTeachers {
		c, err := api.As(ctx, id)
		if err != nil {
			return nil, err
		}
		w.Teachers = append(w.Teachers, &Account{Client: c, ID: id, Teacher: true, Class: -1})
	}
	for i, dc := range demoClasses {
		class := &Class{Name: strings.ToUpper(dc.prefix)}
		for p := 1; p <= pupilsPerClass; p++ {
			id := fmt.Sprintf("eleve.%s.%02d", dc.prefix, p)
			c, err := api.As(ctx, id)
			if err != nil {
				return nil, err
			}
			class.Pupils = append(class.Pupils, &Account{Client: c, ID: id, Class: i})
		}
		w.Classes = append(w.Classes, class)
	}
	return w, nil
}

// liftQuotas lifts the collège's pool and every account's cap far above what a
// run writes: a run measures load, not quota refusals.
func (w *World) liftQuotas(ctx context.Context, api *node.Process) error {
	for _, a := range append(w.pupils(), w.Teachers...) {
		if err := api.LiftQuota(ctx, a.ID); err != nil {
			return fmt.Errorf("lift the quota of %s: %w", a.ID, err)
		}
	}
	return nil
}

// content is size bytes of a file: a photo from the few generated when asked
// for an image (its own size then), else random bytes, which no preview is made
// of and no compression shrinks.
func (w *World) content(rng *rand.Rand, size int64, img bool) (io.Reader, int64) {
	if img {
		b := w.images[rng.IntN(len(w.images))]
		return bytes.NewReader(b), int64(len(b))
	}
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rng.Uint32())
	}
	return io.LimitReader(rand.NewChaCha8(seed), size), size
}

// makeImages generates the photos uploads draw from: a few sizes of a noisy
// gradient, 100–600 KB as JPEG, so thumbnails are made of real decodes.
func (w *World) makeImages() error {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, dim := range [][2]int{{640, 480}, {1024, 768}, {1280, 960}, {1600, 1200}} {
		img := image.NewRGBA(image.Rect(0, 0, dim[0], dim[1]))
		for y := range dim[1] {
			for x := range dim[0] {
				n := uint8(rng.IntN(48))
				img.Set(x, y, color.RGBA{uint8(x * 255 / dim[0]), uint8(y * 255 / dim[1]), 128 + n, 255})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
			return err
		}
		w.images = append(w.images, b.Bytes())
	}
	return nil
}

// folderIn makes a folder named name in parent as the user.
func folderIn(ctx context.Context, a *Account, parent, name string) (*Folder, error) {
	var f struct{ ID string }
	body := map[string]any{"name": name, "folder": struct{}{}}
	if err := a.Call(ctx, http.MethodPost, "/api/v1/items/"+parent+"/children", body, &f); err != nil {
		return nil, fmt.Errorf("folder %s: %w", name, err)
	}
	return &Folder{ID: f.ID}, nil
}
