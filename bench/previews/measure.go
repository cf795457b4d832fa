package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/h2non/bimg"

	"cartable/preview"
)

// Result is one peer's figures on one kind of file.
type Result struct {
	Peer  string `json:"peer"`
	Kind  string `json:"kind"`
	Files int    `json:"files"`
	// Seconds is the wall-clock time of the median round, FilesPerSec its throughput.
	Seconds      float64   `json:"seconds,omitempty"`
	FilesPerSec  float64   `json:"files_per_s,omitempty"`
	RoundSeconds []float64 `json:"round_seconds,omitempty"`
	Errors       int       `json:"errors"`
	FirstError   string    `json:"first_error,omitempty"`
	// Refused is "refused" or "failed" when the peer could not render its warm-up
	// file of this kind here; the kind is then not measured for it, and Why says why.
	Refused string `json:"refused,omitempty"`
	Why     string `json:"why,omitempty"`
	// Checked thumbnails of the last round, and how many of them were missing,
	// unreadable or of the wrong format or size.
	Checked      int    `json:"checked_outputs"`
	Invalid      int    `json:"invalid_outputs"`
	FirstInvalid string `json:"first_invalid,omitempty"`
	// WithMetadata counts the thumbnails that kept EXIF or XMP although every peer
	// is asked to strip it.
	WithMetadata int `json:"outputs_with_metadata"`
	// OutputKiBPerFile is the size of a file's six thumbnails together.
	OutputKiBPerFile float64 `json:"output_kib_per_file,omitempty"`
}

// outputDir is where a peer writes the thumbnails of one file.
func outputDir(root string, p peer, s sample) string {
	return filepath.Join(root, p.name, s.Name)
}

// measure warms every peer up on the first file of each kind, then times the set
// kind by kind in rounds. Within a round the peers take turns, in reverse order
// every other round, so that a slow moment of the machine does not fall on one
// peer; the median round of each peer and kind is kept.
func measure(ctx context.Context, r *Report, peers []peer, set []sample, root string, rounds, workers int) error {
	refused := warmUp(ctx, peers, set, root)
	seconds := map[[2]string][]float64{}
	errs := map[[2]string][]error{}
	for round := 1; round <= rounds; round++ {
		order := slices.Clone(peers)
		if round%2 == 0 {
			slices.Reverse(order)
		}
		for _, p := range order {
			for _, kind := range kinds {
				files := ofKind(set, kind)
				if len(files) == 0 || refused[p.name][kind] != nil {
					continue
				}
				took, failed, err := timed(ctx, p, files, root, workers)
				if err != nil {
					return err
				}
				key := [2]string{p.name, kind}
				seconds[key] = append(seconds[key], took.Seconds())
				errs[key] = append(errs[key], failed...)
				logf("round %d  %-14s %-4s %2d files in %5.1f s: %5.2f files/s, %d errors", round, p.name, kind,
					len(files), took.Seconds(), float64(len(files))/took.Seconds(), len(failed))
			}
		}
	}
	for _, p := range peers {
		for _, kind := range kinds {
			files := ofKind(set, kind)
			if len(files) == 0 {
				continue
			}
			res := Result{Peer: p.name, Kind: kind, Files: len(files)}
			if err := refused[p.name][kind]; err != nil {
				res.Refused, res.Why = refusal(err), err.Error()
				r.Results = append(r.Results, res)
				continue
			}
			key := [2]string{p.name, kind}
			res.RoundSeconds = seconds[key]
			res.Seconds = median(res.RoundSeconds)
			res.FilesPerSec = float64(len(files)) / res.Seconds
			res.Errors = len(errs[key])
			if res.Errors > 0 {
				res.FirstError = errs[key][0].Error()
			}
			check(&res, p, files, root)
			r.Results = append(r.Results, res)
		}
	}
	return nil
}

// warmUp renders the first file of each kind with every peer, untimed, and returns
// the error of each peer on each kind it cannot render here.
func warmUp(ctx context.Context, peers []peer, set []sample, root string) map[string]map[string]error {
	refused := map[string]map[string]error{}
	for _, p := range peers {
		refused[p.name] = map[string]error{}
		for _, kind := range kinds {
			files := ofKind(set, kind)
			if len(files) == 0 {
				continue
			}
			dir := outputDir(root, p, files[0])
			if err := os.MkdirAll(dir, 0o755); err != nil {
				refused[p.name][kind] = err
				continue
			}
			if err := p.render(ctx, files[0], dir); err != nil {
				refused[p.name][kind] = err
				logf("warm-up  %-14s %-4s %s: %v", p.name, kind, refusal(err), err)
			}
		}
	}
	return refused
}

// timed renders files with workers in flight at once, into emptied folders, and
// returns the wall-clock time of the whole set and the errors of the files.
func timed(ctx context.Context, p peer, files []sample, root string, workers int) (time.Duration, []error, error) {
	for _, s := range files {
		dir := outputDir(root, p, s)
		if err := os.RemoveAll(dir); err != nil {
			return 0, nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, nil, err
		}
	}
	errs := make([]error, len(files))
	start := time.Now()
	parallel(len(files), workers, func(i int) {
		if err := p.render(ctx, files[i], outputDir(root, p, files[i])); err != nil {
			errs[i] = fmt.Errorf("%s: %w", files[i].Name, err)
		}
	})
	took := time.Since(start)
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return took, failed, nil
}

// check reads back the thumbnails of the last round: each must exist, be of its
// format, and have its size (a square for the crop; the longest side on the box
// for a fit, with the source's proportions, a few pixels of rounding allowed).
func check(res *Result, p peer, files []sample, root string) {
	var total int64
	for _, s := range files {
		for _, size := range preview.Sizes {
			for _, f := range preview.Formats {
				res.Checked++
				path := filepath.Join(outputDir(root, p, s), outName(size.Name, f))
				n, meta, err := checkOne(path, s, size, f)
				total += n
				if meta {
					res.WithMetadata++
				}
				if err != nil {
					res.Invalid++
					if res.FirstInvalid == "" {
						res.FirstInvalid = fmt.Sprintf("%s %s %s: %v", s.Name, size.Name, f, err)
					}
				}
			}
		}
	}
	res.OutputKiBPerFile = float64(total) / float64(len(files)) / 1024
}

// checkOne checks one thumbnail and returns its size and whether it kept metadata.
func checkOne(path string, s sample, size preview.Size, f preview.Format) (int64, bool, error) {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return 0, false, fmt.Errorf("missing or empty")
	}
	n := int64(len(data))
	want := map[preview.Format]bimg.ImageType{preview.WebP: bimg.WEBP, preview.JPEG: bimg.JPEG}[f]
	if got := bimg.DetermineImageType(data); got != want {
		return n, false, fmt.Errorf("is %s, not %s", bimg.ImageTypeName(got), f)
	}
	dims, err := bimg.NewImage(data).Size()
	if err != nil {
		return n, false, fmt.Errorf("unreadable: %v", err)
	}
	ew, eh := expected(s, size)
	if abs(dims.Width-ew) > 2 || abs(dims.Height-eh) > 2 {
		return n, false, fmt.Errorf("%d × %d, expected %d × %d", dims.Width, dims.Height, ew, eh)
	}
	return n, hasMetadata(data, f), nil
}

// hasMetadata reports whether a WebP has an EXIF or XMP chunk, or a JPEG an APP1
// segment (EXIF or XMP) before its scan.
func hasMetadata(data []byte, f preview.Format) bool {
	if f == preview.WebP {
		for at := 12; at+8 <= len(data); {
			kind, size := string(data[at:at+4]), int(binary.LittleEndian.Uint32(data[at+4:at+8]))
			if kind == "EXIF" || kind == "XMP " {
				return true
			}
			at += 8 + size + size&1
		}
		return false
	}
	for at := 2; at+4 <= len(data) && data[at] == 0xFF; {
		marker := data[at+1]
		if marker == 0xDA { // start of scan: no more metadata segments
			return false
		}
		if marker == 0xE1 {
			return true
		}
		at += 2 + int(binary.BigEndian.Uint16(data[at+2:at+4]))
	}
	return false
}

// expected is a thumbnail's size. Every source of the set is larger than the
// largest box (a PDF page is vector: it is rasterised at the box).
func expected(s sample, size preview.Size) (int, int) {
	if size.Crop {
		return size.Box, size.Box
	}
	scale := float64(size.Box) / float64(max(s.W, s.H))
	return int(math.Round(float64(s.W) * scale)), int(math.Round(float64(s.H) * scale))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// median is the middle value (the upper one of an even count).
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}
