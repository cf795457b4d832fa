package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Op is one kind of operation a virtual user does.
type Op string

// The operations of the mix, as the web app issues them.
const (
	OpSpaces    Op = "list spaces"
	OpList      Op = "list a folder"
	OpItem      Op = "get an item"
	OpThumbnail Op = "thumbnail"
	OpDownload  Op = "download"
	OpSearch    Op = "search"
	OpShared    Op = "shared with me"
	OpRecent    Op = "recent"
	OpShare     Op = "create a share"
	OpUpload    Op = "upload"
)

// Weighted is an operation and its share of a mix.
type Weighted struct {
	Op     Op  `json:"op"`
	Weight int `json:"weight"`
}

// Mix is what a virtual user does after each think time, by weight. The
// default is a school's navigation-heavy day: opening spaces and folders and
// looking at thumbnails dominate, a download or search now and then, and one
// operation in twelve writes (an upload or a share).
type Mix []Weighted

// defaultMix sums to 100, so a weight reads as a percentage.
var defaultMix = Mix{
	{OpSpaces, 12}, {OpList, 25}, {OpItem, 10}, {OpThumbnail, 15}, {OpDownload, 12},
	{OpSearch, 6}, {OpShared, 5}, {OpRecent, 5}, {OpShare, 2}, {OpUpload, 8},
}

// total is the sum of the weights.
func (m Mix) total() int {
	t := 0
	for _, w := range m {
		t += w.Weight
	}
	return t
}

// pick is the operation a draw of r in [0, total) lands on: the weights laid
// end to end, in order.
func (m Mix) pick(r int) Op {
	for _, w := range m {
		if r < w.Weight {
			return w.Op
		}
		r -= w.Weight
	}
	return m[len(m)-1].Op
}

// Draw picks an operation at random, each with its weight's chance.
func (m Mix) Draw(rng *rand.Rand) Op { return m.pick(rng.IntN(m.total())) }

// String is the mix as the report states it: "list spaces 12 %, ...".
func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, w := range m {
		parts[i] = fmt.Sprintf("%s %.0f %%", w.Op, 100*float64(w.Weight)/float64(m.total()))
	}
	return strings.Join(parts, ", ")
}

// interactive says whether an operation's time is the server's answer time: an
// upload's is mostly the user's throttled connection, so uploads are reported
// apart and left out of the p95 the verdict reads.
func interactive(op Op) bool { return op != OpUpload }

// Band is a range of file sizes and its share of the files.
type Band struct {
	Name     string  `json:"name"`
	Min, Max int64   `json:"-"` // bytes, Min inclusive
	Share    float64 `json:"share"`
}

// sizeBands are the file-size mix of large file-sharing deployments (issue 18:
// 84 % < 1 MB, 12.5 % 1–10 MB, 3 % 10–100 MB, 0.8 % > 100 MB; the >100 MB band
// is taken up to 1 GB). The shares sum to 100.3 %: a draw normalises them.
var sizeBands = []Band{
	{"< 1 MB", 4 << 10, 1 << 20, 0.84},
	{"1–10 MB", 1 << 20, 10 << 20, 0.125},
	{"10–100 MB", 10 << 20, 100 << 20, 0.03},
	{"> 100 MB", 100 << 20, 1 << 30, 0.008},
}

// bigFrom is the size from which -big-scale shrinks a file.
const bigFrom = 10 << 20

// Sizes draws file sizes from bands; files of 10 MB or more are multiplied by
// Scale (1: real sizes) so that a short run does not spend its time moving a
// few huge files.
type Sizes struct {
	Bands []Band
	Scale float64
}

// band is the band a draw u in [0, 1) lands on.
func (s Sizes) band(u float64) int {
	sum := 0.0
	for _, b := range s.Bands {
		sum += b.Share
	}
	u *= sum
	for i, b := range s.Bands {
		if u < b.Share {
			return i
		}
		u -= b.Share
	}
	return len(s.Bands) - 1
}

// within is a size of band b for a draw v in [0, 1): log-uniform, as file sizes
// spread over orders of magnitude, then scaled when big.
func (s Sizes) within(b Band, v float64) int64 {
	size := int64(math.Round(math.Exp(math.Log(float64(b.Min)) + v*(math.Log(float64(b.Max))-math.Log(float64(b.Min))))))
	if size >= bigFrom && s.Scale > 0 && s.Scale != 1 {
		size = max(1, int64(float64(size)*s.Scale))
	}
	return size
}

// Draw is a file size from the mix.
func (s Sizes) Draw(rng *rand.Rand) int64 {
	return s.within(s.Bands[s.band(rng.Float64())], rng.Float64())
}

// below is the mix restricted to files under limit bytes (before scaling):
// homework is photos and documents, not videos.
func (s Sizes) below(limit int64) Sizes {
	out := Sizes{Scale: s.Scale}
	for _, b := range s.Bands {
		if b.Max <= limit {
			out.Bands = append(out.Bands, b)
		}
	}
	return out
}

// think is a think time: exponential, so that users' operations arrive as a
// Poisson stream rather than in lockstep.
func think(rng *rand.Rand, mean float64) float64 { return rng.ExpFloat64() * mean }
