package main

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMixPick(t *testing.T) {
	mix := Mix{{OpSpaces, 2}, {OpList, 3}, {OpUpload, 5}}
	for _, tc := range []struct {
		r    int
		want Op
	}{{0, OpSpaces}, {1, OpSpaces}, {2, OpList}, {4, OpList}, {5, OpUpload}, {9, OpUpload}} {
		if got := mix.pick(tc.r); got != tc.want {
			t.Errorf("pick(%d) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestMixDraw: over many draws each operation comes about as often as its
// weight says (the draws are seeded: the counts are the same every run).
func TestMixDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[Op]int{}
	const n = 100_000
	for range n {
		counts[defaultMix.Draw(rng)]++
	}
	if defaultMix.total() != 100 {
		t.Fatalf("the default mix sums to %d, not 100", defaultMix.total())
	}
	for _, w := range defaultMix {
		share := 100 * float64(counts[w.Op]) / n
		if share < float64(w.Weight)-0.5 || share > float64(w.Weight)+0.5 {
			t.Errorf("%s: %.2f %% of the draws, weight %d", w.Op, share, w.Weight)
		}
	}
}

func TestSizes(t *testing.T) {
	s := Sizes{Bands: sizeBands, Scale: 0.1}
	for _, tc := range []struct {
		u    float64
		band string
	}{{0, "< 1 MB"}, {0.83, "< 1 MB"}, {0.85, "1–10 MB"}, {0.97, "10–100 MB"}, {0.999, "> 100 MB"}} {
		if got := s.Bands[s.band(tc.u)].Name; got != tc.band {
			t.Errorf("band(%v) = %s, want %s", tc.u, got, tc.band)
		}
	}
	for _, tc := range []struct {
		name  string
		sizes Sizes
		band  int
		v     float64
		want  int64
	}{
		{"smallest", s, 0, 0, 4 << 10},
		{"below 10 MB: not scaled", s, 1, 0, 1 << 20},
		{"10 MB: scaled", s, 2, 0, 1 << 20},
		{"100 MB: scaled", s, 3, 0, 10 << 20},
		{"real sizes", Sizes{Bands: sizeBands, Scale: 1}, 3, 0, 100 << 20},
	} {
		if got := tc.sizes.within(tc.sizes.Bands[tc.band], tc.v); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := s.below(bigFrom).Bands; len(got) != 2 || got[1].Name != "1–10 MB" {
		t.Errorf("below 10 MB: %v", got)
	}
}

func TestPercentile(t *testing.T) {
	twenty := make([]float64, 20)
	for i := range twenty {
		twenty[i] = float64(i + 1)
	}
	for _, tc := range []struct {
		values []float64
		p      float64
		want   float64
	}{
		{nil, 0.95, 0},
		{[]float64{7}, 0.5, 7},
		{twenty, 0.50, 10},
		{twenty, 0.95, 19},
		{twenty, 0.99, 20},
		{twenty, 1, 20},
	} {
		if got := percentile(tc.values, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tc.values, tc.p, got, tc.want)
		}
	}
}

// TestSummarize: uploads stay out of the interactive row, a 5xx and a
// transport error are errors, a 404 is not.
func TestSummarize(t *testing.T) {
	samples := []Sample{
		{Op: OpList, Seconds: 0.010, Status: 200},
		{Op: OpList, Seconds: 0.020, Status: 500, Failed: failed(500, nil)},
		{Op: OpThumbnail, Seconds: 0.005, Status: 404, Failed: failed(404, nil)},
		{Op: OpSearch, Seconds: 0.040, Failed: failed(0, errors.New("reset"))},
		{Op: OpUpload, Seconds: 9, Status: 201, Transfer: 8.5, Bytes: 1 << 20},
	}
	rows := byOp(samples, defaultMix, 10*time.Second)
	inter, all, up := find(rows, opInteractive), find(rows, opAll), find(rows, OpUpload)
	if inter.N != 4 || inter.Errors != 2 || inter.Client4xx != 1 || inter.P95 != 40 {
		t.Errorf("interactive: %+v", inter)
	}
	if all.N != 5 || all.PerSec != 0.5 || all.MiB != 1 {
		t.Errorf("all: %+v", all)
	}
	if up.ServerP95 != 500 {
		t.Errorf("upload beyond the link: %v ms, want 500", up.ServerP95)
	}
}

func TestVerdict(t *testing.T) {
	row := func(op Op, n, errs int, p95 float64) OpStats { return OpStats{Op: op, N: n, Errors: errs, P95: p95} }
	for _, tc := range []struct {
		name string
		ops  []OpStats
		held bool
	}{
		{"fast, no error", []OpStats{row(opInteractive, 1000, 0, 120), row(opAll, 1100, 0, 3000)}, true},
		{"slow", []OpStats{row(opInteractive, 1000, 0, 500), row(opAll, 1100, 0, 3000)}, false},
		{"one error in 2000", []OpStats{row(opInteractive, 2000, 1, 100), row(opAll, 2000, 1, 100)}, true},
		{"one error in 1000", []OpStats{row(opInteractive, 1000, 1, 100), row(opAll, 1000, 1, 100)}, false},
		{"nothing done", []OpStats{row(opInteractive, 0, 0, 0), row(opAll, 0, 0, 0)}, false},
	} {
		held, why := verdict(tc.ops, 500*time.Millisecond, 0.001)
		if held != tc.held || held != (why == "") {
			t.Errorf("%s: held %v (%q), want %v", tc.name, held, why, tc.held)
		}
	}
	steps := []Step{{Users: 50, Held: true}, {Users: 100, Held: true}, {Users: 200}}
	if b := best(steps); b == nil || b.Users != 100 {
		t.Errorf("best step: %+v", b)
	}
}

// TestLinkReserve: bytes leave one after another at the rate; an idle link
// saves nothing up.
func TestLinkReserve(t *testing.T) {
	t0 := time.Unix(0, 0)
	l := NewLink(8000) // 1000 bytes/s
	for _, tc := range []struct {
		n    int
		at   time.Duration
		want time.Duration
	}{
		{500, 0, 500 * time.Millisecond},                        // alone: its own time
		{500, 0, time.Second},                                   // at once: after the first
		{1000, 500 * time.Millisecond, 1500 * time.Millisecond}, // later, still behind them
		{100, 10 * time.Second, 100 * time.Millisecond},         // after a pause: no credit
	} {
		if got := l.reserve(tc.n, t0.Add(tc.at)); got != tc.want {
			t.Errorf("reserve(%d) at %v: wait %v, want %v", tc.n, tc.at, got, tc.want)
		}
	}
}

// TestThrottledReader: every byte comes through, held back in all for the
// time the rate says (the clock and the sleeps are the test's).
func TestThrottledReader(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLink(2e6) // 250,000 bytes/s
	l.now = func() time.Time { return now }
	l.sleep = func(d time.Duration) { now = now.Add(d) }
	data := bytes.Repeat([]byte("cartable"), 125_000) // 1,000,000 bytes
	r := l.Reader(bytes.NewReader(data))
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if r.Slept() != 4*time.Second || now != time.Unix(4, 0) {
		t.Errorf("held back %v, clock at %v; want 4 s", r.Slept(), now.Sub(time.Unix(0, 0)))
	}
	free := NewLink(0).Reader(bytes.NewReader(data))
	if n, _ := io.Copy(io.Discard, free); n != int64(len(data)) || free.Slept() != 0 {
		t.Errorf("unlimited link: %d bytes, held %v", n, free.Slept())
	}
}

// TestServerTimes: the node's histogram is summed over its routes, the
// uploads' left out.
func TestServerTimes(t *testing.T) {
	var st ServerTimes
	for _, line := range []string{
		`# TYPE cartable_http_request_duration_seconds histogram`,
		`cartable_http_request_duration_seconds_bucket{method="GET",route="/api/v1/spaces",le="0.5"} 90`,
		`cartable_http_request_duration_seconds_bucket{method="GET",route="/api/v1/spaces",le="1"} 99`,
		`cartable_http_request_duration_seconds_sum{method="GET",route="/api/v1/spaces"} 20`,
		`cartable_http_request_duration_seconds_count{method="GET",route="/api/v1/spaces"} 100`,
		`cartable_http_request_duration_seconds_bucket{method="PATCH",route="/api/v1/uploads/:id",le="0.5"} 1`,
		`cartable_http_request_duration_seconds_count{method="PATCH",route="/api/v1/uploads/:id"} 50`,
		`cartable_http_requests_total{method="GET",route="/api/v1/spaces",status="200"} 100`,
	} {
		st.add(line)
	}
	d := st.since(ServerTimes{Requests: 50, Seconds: 10, Under500: 50})
	if d.Requests != 50 || d.MeanMs() != 200 || math.Abs(d.SlowShare()-0.2) > 1e-9 {
		t.Errorf("%+v: mean %v ms, slow %v", d, d.MeanMs(), d.SlowShare())
	}
}

// TestClassmate: a pupil shares with every other pupil of the class, never
// with themselves.
func TestClassmate(t *testing.T) {
	class := &Class{}
	for _, id := range []string{"a", "b", "c"} {
		class.Pupils = append(class.Pupils, &Account{ID: id})
	}
	w := &World{Classes: []*Class{class}}
	for _, me := range class.Pupils {
		u := &User{acct: me, world: w, rng: rand.New(rand.NewPCG(3, 4))}
		seen := map[string]bool{}
		for range 200 {
			seen[u.classmate()] = true
		}
		if seen[me.ID] || len(seen) != 2 {
			t.Errorf("%s shares with %v", me.ID, seen)
		}
	}
}
