package main

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
)

// subjects are the folders each class space gets.
var subjects = []string{"Mathématiques", "Français", "Histoire-géographie", "SVT", "Anglais"}

// topics name the files, and the searches look for their words (without
// accents: the search ignores them).
var (
	topics      = []string{"fractions", "théorème de Pythagore", "Révolution française", "photosynthèse", "poésie", "volcans", "Moyen Âge", "conjugaison", "dictée", "carte du monde"}
	kinds       = []string{"Cours", "Exercices", "Évaluation", "Exposé", "Correction"}
	extensions  = []string{"pdf", "odt", "docx", "pptx", "zip"}
	searchWords = []string{"fractions", "pythagore", "revolution", "photosynthese", "poesie", "volcans", "moyen age", "conjugaison", "dictee", "cours", "exercices", "evaluation", "expose"}
)

// imageShare is the share of the files under 1 MB that are photos.
const imageShare = 0.4

// Seeded is what the seeding made, for the report.
type Seeded struct {
	Files   int            `json:"files"`
	Bytes   int64          `json:"bytes"`
	Images  int            `json:"images"`
	ByBand  map[string]int `json:"by_band"`
	Folders int            `json:"folders"`
	Shares  int            `json:"shares"`
	Largest int64          `json:"largest_bytes"`
	Seconds float64        `json:"seconds"`
	Where   map[string]int `json:"where"`
	mu      *sync.Mutex    // the uploads in flight count together
}

// seed fills the working set: in each class space a folder per subject and one
// for homework; in each teacher's space a shelf of resources shared with both
// classes; files following the size mix, spread over the class folders (55 %),
// the shelves (15 %) and the pupils' own spaces (30 %); and pupils sharing a
// file with a classmate.
func seed(ctx context.Context, w *World, files int, sizes Sizes, rng *rand.Rand) (Seeded, error) {
	s := Seeded{ByBand: map[string]int{}, Where: map[string]int{}, mu: &sync.Mutex{}}
	if err := w.folders(ctx, &s); err != nil {
		return s, err
	}
	jobs := make([]seedFile, files)
	for k := range jobs {
		jobs[k] = w.plan(k, sizes, rng)
	}
	if err := w.upload(ctx, jobs, &s); err != nil {
		return s, err
	}
	n, err := w.pupilShares(ctx, rng)
	s.Shares += n
	return s, err
}

// folders makes the class folders and the teachers' shelves.
func (w *World) folders(ctx context.Context, s *Seeded) error {
	for i, c := range w.Classes {
		teacher := w.Teachers[i%len(w.Teachers)]
		root, err := teacher.ClassRoot(ctx, demoClasses[i].group)
		if err != nil {
			return err
		}
		c.Root = root
		for _, name := range subjects {
			f, err := folderIn(ctx, teacher, root, name)
			if err != nil {
				return err
			}
			c.Subjects = append(c.Subjects, f)
		}
		hw, err := folderIn(ctx, teacher, root, "Devoirs du matin")
		if err != nil {
			return err
		}
		c.Homework = hw.ID
		s.Folders += len(subjects) + 1
	}
	for _, a := range append(w.pupils(), w.Teachers...) {
		home, err := a.Home(ctx)
		if err != nil {
			return fmt.Errorf("home of %s: %w", a.ID, err)
		}
		a.Own = &Folder{ID: home}
	}
	for _, t := range w.Teachers {
		shelf, err := folderIn(ctx, t, t.Own.ID, "Ressources partagées")
		if err != nil {
			return err
		}
		for _, dc := range demoClasses {
			grant := map[string]any{"grantee": map[string]any{"kind": "group", "id": dc.group, "profile": "Student"}, "role": "viewer"}
			if err := t.Call(ctx, http.MethodPost, "/api/v1/items/"+shelf.ID+"/permissions", grant, nil); err != nil {
				return fmt.Errorf("share the shelf of %s: %w", t.ID, err)
			}
			s.Shares++
		}
		w.Shelves = append(w.Shelves, shelf)
		s.Folders++
	}
	return nil
}

// seedFile is one file to seed: who sends it where.
type seedFile struct {
	by     *Account
	into   *Folder
	where  string
	name   string
	size   int64
	image  bool
	band   string
	random *rand.Rand
}

// plan decides the k-th file of the working set.
func (w *World) plan(k int, sizes Sizes, rng *rand.Rand) seedFile {
	f := seedFile{random: rand.New(rand.NewPCG(rng.Uint64(), uint64(k)))}
	b := sizes.band(rng.Float64())
	f.band = sizes.Bands[b].Name
	f.size = sizes.within(sizes.Bands[b], rng.Float64())
	f.image = b == 0 && rng.Float64() < imageShare
	switch u := rng.Float64(); {
	case u < 0.55:
		c := w.Classes[rng.IntN(len(w.Classes))]
		f.by, f.into, f.where = w.Teachers[rng.IntN(len(w.Teachers))], c.Subjects[rng.IntN(len(c.Subjects))], "class folders"
	case u < 0.70:
		t := rng.IntN(len(w.Teachers))
		f.by, f.into, f.where = w.Teachers[t], w.Shelves[t], "teachers' shared shelves"
	default:
		p := w.pupils()[rng.IntN(len(w.pupils()))]
		f.by, f.into, f.where = p, p.Own, "pupils' own spaces"
	}
	f.name = fileName(rng, k, f.image)
	return f
}

// fileName is a name as a school names its files, unique by its number.
func fileName(rng *rand.Rand, k int, image bool) string {
	topic := topics[rng.IntN(len(topics))]
	if image {
		return fmt.Sprintf("Photo %s %d.jpg", topic, k)
	}
	return fmt.Sprintf("%s - %s %d.%s", kinds[rng.IntN(len(kinds))], topic, k, extensions[rng.IntN(len(extensions))])
}

// seedInFlight is how many seeding uploads run at once.
const seedInFlight = 6

// upload sends the planned files, a few at once, unthrottled (the working set
// is the past, not the measured day).
func (w *World) upload(ctx context.Context, jobs []seedFile, s *Seeded) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var first error
	for range seedInFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1) - 1); k < len(jobs); k = int(next.Add(1) - 1) {
				if err := w.uploadOne(ctx, jobs[k], s); err != nil {
					s.mu.Lock()
					first = cmp.Or(first, err)
					s.mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func (w *World) uploadOne(ctx context.Context, f seedFile, s *Seeded) error {
	body, size := w.content(f.random, f.size, f.image)
	var item struct{ ID string }
	if err := f.by.Upload(ctx, f.into.ID, f.name, body, &item); err != nil {
		return fmt.Errorf("seed %s: %w", f.name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f.into.Files = append(f.into.Files, File{ID: item.ID, Size: size, Image: f.image})
	s.Files++
	s.Bytes += size
	s.Largest = max(s.Largest, size)
	s.ByBand[f.band]++
	s.Where[f.where]++
	if f.image {
		s.Images++
	}
	return nil
}

// pupilShares has one pupil in three share a file of their own with the next
// pupil of their class, as pupils pass each other their work.
func (w *World) pupilShares(ctx context.Context, rng *rand.Rand) (int, error) {
	n := 0
	for _, c := range w.Classes {
		for i, p := range c.Pupils {
			if i%3 != 0 || len(p.Own.Files) == 0 {
				continue
			}
			mate := c.Pupils[(i+1)%len(c.Pupils)]
			file := p.Own.Files[rng.IntN(len(p.Own.Files))]
			grant := map[string]any{"grantee": map[string]any{"kind": "user", "id": mate.ID}, "role": "viewer"}
			if err := p.Call(ctx, http.MethodPost, "/api/v1/items/"+file.ID+"/permissions", grant, nil); err != nil {
				return n, fmt.Errorf("%s shares with %s: %w", p.ID, mate.ID, err)
			}
			n++
		}
	}
	return n, nil
}
