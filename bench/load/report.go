package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Report is one run, as bench/results keeps it.
type Report struct {
	Machine   string     `json:"machine"`
	CPUs      int        `json:"cpus"`
	Date      string     `json:"date"`
	Seconds   float64    `json:"seconds"` // the whole run
	Command   string     `json:"command"`
	Target    string     `json:"target,omitempty"` // "" : a local API node + worker
	Mix       Mix        `json:"mix"`
	Bands     []Band     `json:"size_bands"`
	BigScale  float64    `json:"big_scale"`
	ThinkSecs float64    `json:"think_mean_s"`
	LinkMbit  float64    `json:"link_mbit"`
	StepSecs  float64    `json:"step_s"`
	MaxP95    float64    `json:"max_p95_ms"`
	MaxErrors float64    `json:"max_errors"`
	Previews  int        `json:"preview_workers,omitempty"` // renders at once in the local worker
	Seeded    Seeded     `json:"seeded"`
	Burst     *Burst     `json:"burst,omitempty"`
	Steps     []Step     `json:"steps"`
	Load      [2]float64 `json:"load1"` // at the start and the end
	Notes     []string   `json:"notes,omitempty"`
}

// peer is the only published load figure of a peer (issue 18): p95 375 ms with
// 16 virtual users on an 11-core machine.
const (
	peerUsers = 16
	peerCores = 11
	peerP95   = 375
)

// Markdown is the section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Load: a collège's day on one API node (bench/load)\n\n")
	r.intro(&b)
	r.answer(&b)
	r.rampTable(&b)
	r.opTables(&b)
	r.burstTable(&b)
	for _, line := range r.readings() {
		fmt.Fprintf(&b, "- %s\n", line)
	}
	for _, f := range r.failures() {
		fmt.Fprintf(&b, "- Failures, %s\n", f)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	b.WriteString("\n")
	return b.String()
}

func (r Report) intro(b *strings.Builder) {
	where := fmt.Sprintf("one API node (`cartable serve`, jobs off) and one `cartable worker` (%d preview at a time, antivirus off) over a fresh database (the demo collège) and bucket of the stack's PostgreSQL and MinIO, all on this machine with the harness", r.Previews)
	if r.Target != "" {
		where = "the existing deployment at " + r.Target
	}
	fmt.Fprintf(b, "Run %s on %s; the whole run took %.0f s; 1-minute load average %.1f at the start, %.1f at the end (the machine is shared with other work). "+
		"`%s` against %s.\n\n", r.Date, r.Machine, r.Seconds, r.Load[0], r.Load[1], r.Command, where)
	s := r.Seeded
	fmt.Fprintf(b, "**Working set**, seeded first (multipart, unthrottled): %d files, %.0f MiB, largest %.1f MiB, %d of them photos (JPEG, 640 × 480 to 1600 × 1200, thumbnails made by the worker), "+
		"by size band %s; in %s; %d folders (a folder per subject and one for homework in each class space, a shelf of resources in each teacher's space), %d shares (the shelves with both classes' pupils, one pupil in three sharing a file with a classmate). "+
		"Sizes follow the mix of large file-sharing deployments (84 %% < 1 MB, 12.5 %% 1–10 MB, 3 %% 10–100 MB, 0.8 %% > 100 MB, log-uniform within a band); "+
		"**files of 10 MB or more are scaled by %.2g** (`-big-scale`) so that the default run stays short.\n\n",
		s.Files, float64(s.Bytes)/(1<<20), float64(s.Largest)/(1<<20), s.Images, counts(s.ByBand, r.Bands), places(s.Where), s.Folders, s.Shares, r.BigScale)
	fmt.Fprintf(b, "**Virtual users**: one in ten a teacher, the others pupils, taking the demo collège's accounts in turn (2 teachers, 50 pupils of 6A and 5B: beyond 52 users, accounts are shared, "+
		"as many sessions of the same people). Each loops: a think time (exponential, mean %.0f s), then one operation: %s. "+
		"A pupil reads their own space, their class's folders and the shelves; a teacher both classes. A download reads a whole file under 10 MB (most are under 1 MB); a thumbnail is small (70 %%) or medium, in WebP; "+
		"an upload draws its size from the mix and goes through tus as the web app sends it (one request up to 16 MiB, else PATCHes of 16 MiB) over the user's link throttled to %.0f Mbit/s; "+
		"a share gives a pupil (a classmate, for a pupil) read access to a file.\n\n", r.ThinkSecs, r.Mix, r.LinkMbit)
	fmt.Fprintf(b, "**Measured**: each operation from the request to the last byte of its answer. Errors are transport errors and 5xx; the 4xx the mix expects (a share given twice, a thumbnail still being made) are counted apart. "+
		"A step holds when the interactive operations (all but uploads, whose time is the user's link) have p95 < %.0f ms and the errors are < %.2g %% of all operations. "+
		"Cores: CPU time from /proc over the step's wall time, for the API node, the worker, this harness, PostgreSQL (every backend), MinIO, and the rest of the machine (the other work on it: the machine's busy time less the five). "+
		"Node's own: the API node's request-duration histogram over the same time (every route but the uploads), its mean and the share of requests it took over 500 ms on: "+
		"what the node measured from its handlers' start, where the users' times add the wait for a core and the network.\n\n", r.MaxP95, 100*r.MaxErrors)
}

func (r Report) answer(b *strings.Builder) {
	top := best(r.Steps)
	if top == nil {
		fmt.Fprintf(b, "**No step held.**\n\n")
		return
	}
	inter, all := find(top.Ops, opInteractive), find(top.Ops, opAll)
	on := "one API node"
	if r.Target != "" {
		on = "the deployment at " + r.Target
	}
	fmt.Fprintf(b, "**Answer: %d simulated active users** held on %s (interactive p95 %.0f ms, %d errors of %d operations, %.0f operations/s)", top.Users, on, inter.P95, all.Errors, all.N, all.PerSec)
	if top.CPU.API > 0 {
		fmt.Fprintf(b, ", the API node(s) using %.2f cores: **%.0f users per core of the API node(s)**", top.CPU.API, float64(top.Users)/top.CPU.API)
	}
	fmt.Fprintf(b, "; counted against the whole machine's %d cores, which also ran PostgreSQL, MinIO, the worker and the harness, %.0f users per core.", r.CPUs, float64(top.Users)/float64(r.CPUs))
	if last := r.Steps[len(r.Steps)-1]; last.Held {
		fmt.Fprintf(b, " The last step held: the ceiling is higher than measured (`-steps` goes further).")
	} else {
		fmt.Fprintf(b, " The next step, %d users, did not hold: %s.", last.Users, last.Why)
	}
	fmt.Fprintf(b, " The only published peer figure is p95 %d ms with %d virtual users on an %d-core machine, %.1f users per core; "+
		"its users' think time is not published, so the operations per second (here %.0f/s on one node) are the safer thing to compare.\n\n", peerP95, peerUsers, peerCores, float64(peerUsers)/peerCores, all.PerSec)
}

func (r Report) rampTable(b *strings.Builder) {
	fmt.Fprintf(b, "The ramp, %.0f s per step (users are added, never removed):\n\n", r.StepSecs)
	fmt.Fprintf(b, "| Users | Op/s | Interactive p50 / p95 / p99, ms | Node's own: mean ms, > 500 ms | Upload p50 / p95, s (beyond the link's hold, p95 ms) | Errors | 4xx | API cores | Worker | Harness | PostgreSQL | MinIO | Rest | Load | Verdict |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Steps {
		inter, up, all := find(s.Ops, opInteractive), find(s.Ops, OpUpload), find(s.Ops, opAll)
		verdict := "held"
		if !s.Held {
			verdict = "**no**: " + s.Why
		}
		uploads := "—"
		if up.N > 0 {
			uploads = fmt.Sprintf("%.1f / %.1f (%.0f)", up.P50/1000, up.P95/1000, up.ServerP95)
		}
		fmt.Fprintf(b, "| %d | %.1f | %.0f / **%.0f** / %.0f | %s | %s | %d of %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %s |\n",
			s.Users, all.PerSec, inter.P50, inter.P95, inter.P99, s.Server.describe(), uploads, all.Errors, all.N, all.Client4xx,
			s.CPU.API, s.CPU.Workers, s.CPU.Harness, s.CPU.PostgreSQL, s.CPU.MinIO, s.CPU.rest(), s.CPU.Load, verdict)
	}
	b.WriteString("\n")
}

// opTables are the operations of the highest step that held and of the step
// that did not.
func (r Report) opTables(b *strings.Builder) {
	var shown []Step
	if top := best(r.Steps); top != nil {
		shown = append(shown, *top)
	}
	if n := len(r.Steps); n > 0 && !r.Steps[n-1].Held {
		shown = append(shown, r.Steps[n-1])
	}
	for _, s := range shown {
		fmt.Fprintf(b, "Per operation at %d users (%s):\n\n", s.Users, held(s))
		opTable(b, s.Ops)
	}
}

func opTable(b *strings.Builder, ops []OpStats) {
	fmt.Fprintf(b, "| Operation | Count | p50 / p95 / p99, ms | Errors | 4xx | Per s |\n|---|---|---|---|---|---|\n")
	for _, o := range ops {
		fmt.Fprintf(b, "| %s | %d | %.0f / %.0f / %.0f | %d | %d | %.1f |\n", o.Op, o.N, o.P50, o.P95, o.P99, o.Errors, o.Client4xx, o.PerSec)
	}
	b.WriteString("\n")
}

func (r Report) burstTable(b *strings.Builder) {
	u := r.Burst
	if u == nil {
		return
	}
	fmt.Fprintf(b, "**The 8:00 burst**: %d navigation users run the mix; after %.0f s of calm, %d pupils (classes %s) each send %d homework files at once "+
		"(sizes from the mix under 10 MB) over their own %.0f Mbit/s link, into their class's homework folder through tus: %d files, %.0f MiB, done in %.1f s; "+
		"upload p50 %.1f s, p95 %.1f s (beyond the time the link held the bytes back: p95 %.0f ms), %d errors, %d cut by the limit. API node %.2f cores calm, %.2f during the burst; worker %.2f calm, %.2f during; PostgreSQL %.2f and %.2f; MinIO %.2f and %.2f; machine %.2f and %.2f. "+
		"The node's own timings (every route but the uploads): %s calm, %s during the burst.\n\n",
		u.Users, u.CalmSecs, u.Pupils, strings.Join(u.Classes, ", "), u.Files/max(1, u.Pupils), r.LinkMbit, u.Files, u.Uploads.MiB, u.Seconds,
		u.Uploads.P50/1000, u.Uploads.P95/1000, u.Uploads.ServerP95, u.Uploads.Errors, u.Cut, u.CalmCPU.API, u.BurstCPU.API, u.CalmCPU.Workers, u.BurstCPU.Workers,
		u.CalmCPU.PostgreSQL, u.BurstCPU.PostgreSQL, u.CalmCPU.MinIO, u.BurstCPU.MinIO, u.CalmCPU.Machine, u.BurstCPU.Machine,
		u.CalmServer.describe(), u.BurstServer.describe())
	fmt.Fprintf(b, "| Operation (navigation users) | Calm: count, p50 / p95 ms | During the burst: count, p50 / p95 ms | Errors calm / during |\n|---|---|---|---|\n")
	for _, w := range append(Mix{{Op: opInteractive}}, r.Mix...) {
		c, d := find(u.Calm, w.Op), find(u.During, w.Op)
		if c.N+d.N == 0 {
			continue
		}
		fmt.Fprintf(b, "| %s | %d, %.0f / %.0f | %d, %.0f / **%.0f** | %d / %d |\n", w.Op, c.N, c.P50, c.P95, d.N, d.P50, d.P95, c.Errors, d.Errors)
	}
	b.WriteString("\n")
}

func counts(m map[string]int, bands []Band) string {
	var parts []string
	for _, band := range bands {
		parts = append(parts, fmt.Sprintf("%s %d", band.Name, m[band.Name]))
	}
	return strings.Join(parts, ", ")
}

func places(m map[string]int) string {
	var parts []string
	for _, k := range []string{"class folders", "teachers' shared shelves", "pupils' own spaces"} {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// failures are the distinct failures of the run, where they were seen.
func (r Report) failures() []string {
	var out []string
	add := func(where string, row OpStats) {
		if row.Errors == 0 {
			return
		}
		var answers []string
		for _, f := range row.Failures {
			if f = quiet(f); !slices.Contains(answers, f) {
				answers = append(answers, f)
			}
		}
		out = append(out, fmt.Sprintf("%s: %d failed, after %.1f to %.1f s; answers: `%s`", where, row.Errors,
			row.FailedAfter[0], row.FailedAfter[1], strings.Join(answers, "`; `")))
	}
	if u := r.Burst; u != nil {
		add("calm", find(u.Calm, opAll))
		add("burst, navigation", find(u.During, opAll))
		add("burst, homework", u.Uploads)
	}
	for _, s := range r.Steps {
		add(fmt.Sprintf("%d users", s.Users), find(s.Ops, opAll))
	}
	return out
}

// describe is the node's own timings in a cell: "mean 4 ms, 0.1 %".
func (t ServerTimes) describe() string {
	if t.Requests <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f ms, %.1f %%", t.MeanMs(), 100*t.SlowShare())
}

// rest is the cores the machine spent on anything but the node, the worker, the
// harness, PostgreSQL and MinIO: whatever else runs there, the kernel's own work.
func (c Cores) rest() float64 {
	return max(0, c.Machine-c.API-c.Workers-c.Harness-c.PostgreSQL-c.MinIO)
}

// readings put the run's figures in words: the reads during the burst, uploads
// cut at a timeout, and what the step that failed was short of.
func (r Report) readings() []string {
	var out []string
	if u := r.Burst; u != nil {
		c, d := find(u.Calm, opInteractive), find(u.During, opInteractive)
		out = append(out, fmt.Sprintf("Reads during the 8:00 burst: the navigation users' interactive p95 went from %.0f ms (calm) to %.0f ms (during), p99 from %.0f to %.0f ms, "+
			"with %d errors; the node's own timings (mean, share over 500 ms) from %s to %s.", c.P95, d.P95, c.P99, d.P99, d.Errors, u.CalmServer.describe(), u.BurstServer.describe()))
		all := u.Uploads.N + find(u.During, opAll).N
		errs := u.Uploads.Errors + find(u.During, opAll).Errors
		ok, _ := verdict([]OpStats{d, {Op: opAll, N: all, Errors: errs}}, time.Duration(r.MaxP95)*time.Millisecond, r.MaxErrors)
		out = append(out, fmt.Sprintf("By the ramp's rule the burst (the navigation users and the pupils' uploads together: %d operations, %d errors, %.2f %%; interactive p95 %.0f ms) %s; the ramp's steps have no burst in them.",
			all, errs, 100*float64(errs)/float64(max(1, all)), d.P95, map[bool]string{true: "held", false: "did not hold"}[ok]))
		if up := u.Uploads; up.Errors > 0 && up.FailedAfter[0] >= 59 && up.FailedAfter[1] < 62 {
			out = append(out, fmt.Sprintf("Every homework upload that failed (%d of %d) failed after 60 s of sending while its bytes were still flowing at the link's rate: "+
				"a file sent whole in one request (homework is under 10 MB, below the 16 MiB part size) that takes longer than 60 s over a slow link is answered 503 at that mark, and a client that sends it whole again meets the same end.", up.Errors, up.N))
		}
	}
	if n := len(r.Steps); n > 0 && !r.Steps[n-1].Held {
		s := r.Steps[n-1]
		line := fmt.Sprintf("At %d users the node's own timings were %s (mean, share over 500 ms), with the API node at %.2f cores, the worker %.2f, PostgreSQL %.2f, MinIO %.2f, the rest of the machine %.2f (load %.1f)",
			s.Users, s.Server.describe(), s.CPU.API, s.CPU.Workers, s.CPU.PostgreSQL, s.CPU.MinIO, s.CPU.rest(), s.CPU.Load)
		if s.CPU.Machine >= 0.9*float64(r.CPUs) {
			line += fmt.Sprintf(": the machine's %d cores were all busy while the node itself used %.0f %% of one, so its requests spent their time waiting (for a core, or for PostgreSQL and MinIO on the same cores) rather than in its own work; "+
				"this step measures the shared machine more than the node", r.CPUs, 100*s.CPU.API)
		}
		out = append(out, line+".")
	}
	return out
}

// requestID is the part of a problem that differs from one request to the next.
var requestID = regexp.MustCompile(`"request_id":"[^"]*",?`)

// quiet is a failure on one line, without its request id, so that the same
// failure reads the same.
func quiet(f string) string {
	return requestID.ReplaceAllString(strings.Join(strings.Fields(f), " "), "")
}
