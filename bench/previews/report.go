package main

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"

	"github.com/h2non/bimg"

	"cartable/bench/record"
)

// targetVsVips is the goal: Cartable's throughput on the whole set at
// least 0.8 × vipsthumbnail's.
const targetVsVips = 0.8

// Report is one run of the benchmark.
type Report struct {
	Machine Machine        `json:"machine"`
	Date    string         `json:"date"`
	Command string         `json:"command"`
	Workers int            `json:"files_in_flight"`
	Rounds  int            `json:"rounds"`
	Set     []SetEntry     `json:"set"`
	Peers   []PeerInfo     `json:"peers"`
	Results []Result       `json:"results"`
	Rows    []Row          `json:"rows"`
	Target  Target         `json:"target"`
	Memory  []MemoryFigure `json:"memory"`
	Notes   []string       `json:"notes,omitempty"`
}

// Machine is what the figures were measured on.
type Machine struct {
	Host        string `json:"host"`
	CPU         string `json:"cpu"`
	Cores       int    `json:"cores"`
	Kernel      string `json:"kernel"`
	Go          string `json:"go"`
	Libvips     string `json:"libvips"`
	Bimg        string `json:"bimg"`
	ImageMagick string `json:"imagemagick,omitempty"`
	Poppler     string `json:"poppler,omitempty"`
}

// SetEntry is one kind of file of the set.
type SetEntry struct {
	Kind   string  `json:"kind"`
	Label  string  `json:"label"`
	Files  int     `json:"files"`
	AvgKiB float64 `json:"avg_kib"`
}

// PeerInfo names a measured peer and what runs for it.
type PeerInfo struct {
	Name string `json:"name"`
	Tool string `json:"tool"`
}

// Row is one line of the table: every peer's throughput on some kinds together,
// and Cartable's ratio to each peer (overall and round by round).
type Row struct {
	Label       string               `json:"label"`
	Kinds       []string             `json:"kinds"`
	Files       int                  `json:"files"`
	FilesPerSec map[string]float64   `json:"files_per_s"`
	Ratios      map[string]float64   `json:"cartable_vs"`
	RoundRatios map[string][]float64 `json:"cartable_vs_by_round"`
}

// Target is the goal against vipsthumbnail on the whole set.
type Target struct {
	Goal     float64 `json:"goal"`
	Ratio    float64 `json:"ratio"`
	Measured bool    `json:"measured"`
	Met      bool    `json:"met"`
}

// throughput is a peer's files per second on kinds together: the files over the
// median of the rounds' summed times. ok is false when the peer did not render
// one of the kinds.
func (r Report) throughput(peer string, kinds []string) (fps float64, rounds []float64, ok bool) {
	files := 0
	for _, kind := range kinds {
		i := slices.IndexFunc(r.Results, func(res Result) bool { return res.Peer == peer && res.Kind == kind })
		if i < 0 || r.Results[i].Refused != "" || len(r.Results[i].RoundSeconds) == 0 {
			return 0, nil, false
		}
		res := r.Results[i]
		files += res.Files
		if rounds == nil {
			rounds = make([]float64, len(res.RoundSeconds))
		}
		for j, s := range res.RoundSeconds {
			if j < len(rounds) {
				rounds[j] += s
			}
		}
	}
	return float64(files) / median(rounds), rounds, files > 0
}

// summarize computes the table: one row per kind, one for the whole set, and,
// when a peer refused a kind, one for the kinds every peer rendered.
func (r *Report) summarize() {
	var all, common []string
	for _, e := range r.Set {
		all = append(all, e.Kind)
		r.Rows = append(r.Rows, r.row(fmt.Sprintf("%d × %s, %s each", e.Files, e.Label, kib(e.AvgKiB)), []string{e.Kind}))
		refused := slices.ContainsFunc(r.Results, func(res Result) bool { return res.Kind == e.Kind && res.Refused != "" })
		if !refused {
			common = append(common, e.Kind)
		}
	}
	whole := r.row(fmt.Sprintf("the whole set, %d files", r.files(all)), all)
	r.Rows = append(r.Rows, whole)
	if len(common) > 0 && len(common) < len(all) {
		r.Rows = append(r.Rows, r.row(fmt.Sprintf("the %d files every peer rendered (%s)", r.files(common), strings.Join(common, " + ")), common))
	}
	ratio, ok := whole.Ratios[peerVips]
	r.Target = Target{Goal: targetVsVips, Ratio: ratio, Measured: ok, Met: ok && ratio >= targetVsVips}
}

func (r Report) files(kinds []string) int {
	n := 0
	for _, e := range r.Set {
		if slices.Contains(kinds, e.Kind) {
			n += e.Files
		}
	}
	return n
}

func (r Report) row(label string, kinds []string) Row {
	row := Row{Label: label, Kinds: kinds, Files: r.files(kinds), FilesPerSec: map[string]float64{},
		Ratios: map[string]float64{}, RoundRatios: map[string][]float64{}}
	cart, cartRounds, cartOK := r.throughput(peerCartable, kinds)
	for _, p := range r.Peers {
		fps, rounds, ok := r.throughput(p.Name, kinds)
		if !ok {
			continue
		}
		row.FilesPerSec[p.Name] = fps
		if p.Name == peerCartable || !cartOK {
			continue
		}
		row.Ratios[p.Name] = cart / fps
		for i := range min(len(rounds), len(cartRounds)) {
			row.RoundRatios[p.Name] = append(row.RoundRatios[p.Name], rounds[i]/cartRounds[i])
		}
	}
	return row
}

// Markdown is the thumbnail section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	m := r.Machine
	b.WriteString("## Thumbnails (`make bench`, bench/previews)\n\n")
	fmt.Fprintf(&b, "Run %s on %s, %d CPUs (%s), Linux %s, %s; %s (vipsthumbnail, and Cartable through bimg %s), %s, %s. "+
		"`%s` alone runs it: it needs no database or S3. Every figure comes from the same run, on the same generated files.\n\n",
		r.Date, m.Host, m.Cores, m.CPU, m.Kernel, m.Go, m.Libvips, m.Bimg, orNone(m.ImageMagick, "no ImageMagick"),
		orNone(m.Poppler, "no pdftoppm"), r.Command)
	fmt.Fprintf(&b, "Every peer makes the same six thumbnails of each file: a 128 × 128 centre crop and fits in 512 and 1600 px, "+
		"each as WebP and as progressive JPEG at quality 80 without metadata. Cartable renders them in-process with the "+
		"preview jobs' renderer (one decode into a 1600 px base, then six encodes from it; one libvips thread per render; "+
		"a PDF's first page through pdftoppm). vipsthumbnail and `convert -thumbnail` run once per thumbnail, with their default threads: six processes "+
		"per file, each decoding the source. Every peer has %d files in flight. After one warm-up file of each kind per peer, "+
		"the peers take turns in %s (in reverse order every other round) and each one's median round is kept. "+
		"Throughput is source files per second.\n\n", r.Workers, plural(r.Rounds, "round"))
	r.table(&b)
	r.verdict(&b)
	r.memoryTable(&b)
	b.WriteString("\n")
	return b.String()
}

func (r Report) table(b *strings.Builder) {
	b.WriteString("| files |")
	for _, p := range r.Peers {
		fmt.Fprintf(b, " %s files/s |", p.Name)
	}
	for _, p := range r.Peers[1:] {
		fmt.Fprintf(b, " Cartable / %s |", p.Name)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", 2*len(r.Peers)-1) + "\n")
	for _, row := range r.Rows {
		fmt.Fprintf(b, "| %s |", row.Label)
		for _, p := range r.Peers {
			fmt.Fprintf(b, " %s |", r.cell(row, p.Name))
		}
		for _, p := range r.Peers[1:] {
			if v, ok := row.Ratios[p.Name]; ok {
				fmt.Fprintf(b, " %.2f × |", v)
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// cell is a peer's throughput on a row, or why it has none.
func (r Report) cell(row Row, peer string) string {
	if v, ok := row.FilesPerSec[peer]; ok {
		return fmt.Sprintf("%.2f", v)
	}
	for _, res := range r.Results {
		if res.Peer == peer && slices.Contains(row.Kinds, res.Kind) && res.Refused != "" {
			if len(row.Kinds) == 1 {
				return res.Refused
			}
			return "– (" + res.Refused + " " + res.Kind + "s)"
		}
	}
	return "–"
}

// verdict states the target, the rounds, the refusals, the errors and the checks.
func (r Report) verdict(b *strings.Builder) {
	t := r.Target
	switch {
	case !t.Measured:
		fmt.Fprintf(b, "**Target: Cartable ≥ %.1f × vipsthumbnail's throughput on the whole set: not measured** (vipsthumbnail missing or failing).\n\n", t.Goal)
	case t.Met:
		fmt.Fprintf(b, "**Target: Cartable ≥ %.1f × vipsthumbnail's throughput on the whole set: met (%.2f ×).**", t.Goal, t.Ratio)
	default:
		fmt.Fprintf(b, "**Target: Cartable ≥ %.1f × vipsthumbnail's throughput on the whole set: missed (%.2f ×).**", t.Goal, t.Ratio)
	}
	if t.Measured {
		whole := r.Rows[len(r.Set)] // after the rows of the kinds
		fmt.Fprintf(b, " Cartable / vipsthumbnail round by round: %s.\n\n", joinRatios(whole.RoundRatios[peerVips]))
	}
	for _, res := range r.Results {
		if res.Refused != "" {
			fmt.Fprintf(b, "- %s %s the %ss: %s. It is compared on the other kinds only.\n", res.Peer, res.Refused, res.Kind, code(res.Why))
		}
	}
	for _, p := range r.Peers {
		checked, invalid, errs, meta, first := 0, 0, 0, 0, ""
		for _, res := range r.Results {
			if res.Peer == p.Name {
				checked, invalid, errs, meta = checked+res.Checked, invalid+res.Invalid, errs+res.Errors, meta+res.WithMetadata
				first = cmp.Or(first, res.FirstError, res.FirstInvalid)
			}
		}
		fmt.Fprintf(b, "- %s: %d errors in the rounds; thumbnails of the last round read back (present, format, size): %d of %d valid",
			p.Name, errs, checked-invalid, checked)
		if first != "" {
			fmt.Fprintf(b, " (first problem: %s)", code(first))
		}
		if meta > 0 {
			fmt.Fprintf(b, "; %d kept EXIF or XMP although asked to strip it", meta)
		}
		fmt.Fprintf(b, "; %s.\n", r.outputSizes(p.Name))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(b, "- %s\n", n)
	}
}

// outputSizes is the size of a file's six thumbnails, by kind, for one peer.
func (r Report) outputSizes(peer string) string {
	var parts []string
	for _, res := range r.Results {
		if res.Peer == peer && res.OutputKiBPerFile > 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f KiB", res.Kind, res.OutputKiBPerFile))
		}
	}
	if len(parts) == 0 {
		return "no thumbnails"
	}
	return "six thumbnails per file: " + strings.Join(parts, ", ")
}

func (r Report) memoryTable(b *strings.Builder) {
	if len(r.Memory) == 0 {
		return
	}
	b.WriteString("\n### Peak memory (RSS)\n\n| process | files at once | VmHWM before rendering MiB | peak MiB | measured by | seconds |\n|---|---|---|---|---|---|\n")
	for _, f := range r.Memory {
		base := "–"
		if f.BaselineMiB > 0 {
			base = fmt.Sprintf("%.0f", f.BaselineMiB)
		}
		what := f.What
		if f.Error != "" {
			what += " (error: " + code(f.Error) + ")"
		}
		fmt.Fprintf(b, "| %s | %d | %s | %.0f | %s | %.1f |\n", what, f.Files, base, f.PeakMiB, f.Method, f.Seconds)
	}
	b.WriteString("\nThe Cartable rows are a child process of the bench holding one renderer, as the preview worker does, " +
		"with every file rendered by a goroutine of its own; the renderer admits all of them at once in the first row (as a worker " +
		"with CARTABLE_PREVIEW_WORKERS=8 would), as many as the CPUs in the second (the default); \"before rendering\" is Go, libvips and the source files in memory. " +
		"The CLI rows are one process each, for reference: one thumbnail (the largest), where Cartable's rows make six. " +
		"GNU time forks the CLI; the rusage Go gets for a child it starts is not used when GNU time is there, since Go " +
		"starts children sharing its memory until exec (vfork) and Linux carries the bench's own peak into their ru_maxrss.\n")
}

func kib(v float64) string {
	if v >= 1024 {
		return fmt.Sprintf("%.1f MiB", v/1024)
	}
	return fmt.Sprintf("%.0f KiB", v)
}

func joinRatios(values []float64) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf("%.2f", v)
	}
	return strings.Join(parts, ", ")
}

// code quotes a tool's message as inline code; the messages quote with backticks.
func code(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// machine describes this machine and the versions of the peers.
func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Bimg: bimg.Version, Libvips: "libvips " + bimg.VipsVersion}
	m.Host, _ = os.Hostname()
	m.CPU = record.CPU()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out := firstLine("vips", "--version"); out != "" {
		m.Libvips = strings.Replace(out, "vips-", "libvips ", 1)
	}
	if magick := findMagick(); magick != "" {
		// "Version: ImageMagick 6.9.11-60 Q16 x86_64 2021-01-25 https://imagemagick.org"
		if f := strings.Fields(firstLine(magick, "-version")); len(f) >= 4 {
			m.ImageMagick = strings.Join(f[1:4], " ")
		}
	}
	if out := firstLine("pdftoppm", "-v"); out != "" {
		m.Poppler = strings.Replace(out, " version ", " (poppler) ", 1)
	}
	return m
}

// firstLine is the first line a command prints, on stdout or stderr.
func firstLine(name string, args ...string) string {
	out, _ := exec.Command(name, args...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}

// save writes the raw results (unless dir is empty) and rewrites the thumbnail
// section of the markdown file (unless md is empty).
func (r Report) save(dir, md string) error {
	if dir != "" {
		path, err := record.Raw(dir, "previews", r)
		if err != nil {
			return err
		}
		logf("raw results in %s", path)
	}
	if md == "" {
		return nil
	}
	return record.Section(md, "thumbnails", r.Markdown())
}
