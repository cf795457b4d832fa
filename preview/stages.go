package preview

import (
	"github.com/h2non/bimg"
	"github.com/riverqueue/river"
)

// Stage is one step of a file's first render.
//
// At the bell a class posts its photos at once, and a queue of whole renders
// would make the last photo wait for every large rendition before it: the large
// size costs most of a render (a 12 MP phone photo with a sensor's grain: 64 ms
// for the small and medium thumbnails, 137 ms for the large ones; see
// BenchmarkStagesCPU). So a first render comes in stages, each a job of its own,
// and river takes a queue's jobs by priority, then by age: the small thumbnails
// of the whole queue come first (what a listing shows), then the medium ones (the
// grid's bigger view, the viewer's first paint), then the large ones. Each stage
// enqueues the next in the transaction that records it.
//
//	priority 1  embedded  a JPEG's provisional small thumbnail, made in Go before the
//	                      scan (on a queue of its own: it never waits behind a render)
//	priority 1  small     the small thumbnail
//	priority 2  medium    the medium one, and the real small over an embedded one
//	priority 2  whole     office documents and videos: their converter dominates
//	priority 3  large     the large one
//	priority 4  whole     an admin's re-render (behind every upload)
type Stage string

const (
	// StageWhole renders every size in one job: re-renders, office documents and
	// videos, and the jobs enqueued before stages existed.
	StageWhole Stage = ""
	// StageEmbedded serves a small thumbnail from the preview a camera left in a
	// JPEG (see embedded.go), read in Go from the file's first bytes only.
	StageEmbedded Stage = "embedded"
	StageSmall    Stage = "small"
	StageMedium   Stage = "medium"
	StageLarge    Stage = "large"
)

// Job priorities (river's 1 is the highest).
const (
	prioritySmall     = 1
	priorityMedium    = 2
	priorityLarge     = 3
	priorityRerender  = 4
	priorityFirstOnce = 2 // a first render in one stage (office, video)
)

// staged reports whether a type's first render comes in stages: images and PDFs,
// whose small thumbnail costs a fraction of the whole. An office document or a
// video spends its time in its converter, whatever the size.
func staged(mimeType string) bool {
	switch KindOf(mimeType) {
	case KindImage, KindSVG, KindPDF:
		return true
	}
	return false
}

// hasEmbeddedPreview reports whether a type may carry a preview of its own that
// StageEmbedded reads: JPEG photos (EXIF thumbnail).
func hasEmbeddedPreview(mimeType string) bool {
	t, err := supported(mimeType)
	return err == nil && t.loader == bimg.JPEG
}

// sizes returns the sizes a stage renders.
func (s Stage) sizes() []Size {
	switch s {
	case StageSmall:
		return []Size{Sizes[0]}
	case StageMedium:
		return []Size{Sizes[1]}
	case StageLarge:
		return []Size{Sizes[2]}
	}
	return Sizes
}

// urgent reports whether a stage makes what a listing shows first, which the
// larger sizes let go first (see urgency).
func (s Stage) urgent() bool { return s == StageEmbedded || s == StageSmall }

// next is the stage after s, "" after the last.
func (s Stage) next() (Stage, bool) {
	switch s {
	case StageEmbedded, StageSmall:
		return StageMedium, true
	case StageMedium:
		return StageLarge, true
	}
	return "", false
}

// job is the river job of a stage of blob's render.
func (s Stage) job(args RenderArgs) river.InsertManyParams {
	args.Stage = s
	priority := priorityFirstOnce
	switch s {
	case StageEmbedded, StageSmall:
		priority = prioritySmall
	case StageMedium:
		priority = priorityMedium
	case StageLarge:
		priority = priorityLarge
	}
	if args.Again {
		priority = priorityRerender
	}
	opts := &river.InsertOpts{Priority: priority}
	if s == StageEmbedded {
		opts.Queue = QueueFirst
	}
	return river.InsertManyParams{Args: args, InsertOpts: opts}
}
