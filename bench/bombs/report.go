package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"cartable/bench/record"
	"cartable/preview"
)

// Report is one run of the benchmark.
type Report struct {
	Machine    Machine `json:"machine"`
	Date       string  `json:"date"`
	Command    string  `json:"command"`
	Slots      int     `json:"files_at_once"`
	IntervalMS float64 `json:"sample_interval_ms"`
	CeilingMiB int64   `json:"ceiling_mib"`
	// LoadBefore and LoadAfter are the machine's load averages (1, 5 and 15
	// minutes) when the run began and ended: the timings depend on the other work
	// the machine had.
	LoadBefore string     `json:"load_before"`
	LoadAfter  string     `json:"load_after"`
	Set        []bomb     `json:"set"`
	Scenarios  []Scenario `json:"scenarios"`
}

// Machine is what the figures were measured on.
type Machine struct {
	Host        string `json:"host"`
	CPU         string `json:"cpu"`
	Cores       int    `json:"cores"`
	MemoryMiB   int64  `json:"memory_mib"`
	Kernel      string `json:"kernel"`
	Go          string `json:"go"`
	LibreOffice string `json:"libreoffice"`
	Poppler     string `json:"poppler"`
	Sandbox     string `json:"sandbox"`
}

func machine(tools preview.Tools) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: record.CPU(), MemoryMiB: memInfo("MemTotal:") >> 10, Sandbox: tools.Sandbox}
	m.Host, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	// "LibreOffice 7.4.7.2 40(Build:2)"
	if f := strings.Fields(firstOutputLine(tools.Soffice, "--version")); len(f) >= 2 {
		m.LibreOffice = f[0] + " " + f[1]
	}
	m.Poppler = strings.Replace(firstOutputLine(tools.Pdftoppm, "-v"), " version ", " (poppler) ", 1)
	return m
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return "unknown"
}

// memInfo is a field of /proc/meminfo, in KiB (0 when it cannot be read).
func memInfo(field string) int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kib, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kib
		}
	}
	return 0
}

func firstOutputLine(name string, args ...string) string {
	out, _ := exec.Command(name, args...).CombinedOutput()
	return firstLine(string(out))
}

// outcomes sums a scenario's outcomes up: "too_large × 2 (8.1 s, 8.3 s)".
func outcomes(list []Outcome) string {
	var codes []string
	took := map[string][]string{}
	for _, o := range list {
		if !slices.Contains(codes, o.Code) {
			codes = append(codes, o.Code)
		}
		took[o.Code] = append(took[o.Code], fmt.Sprintf("%.1f s", o.Seconds))
	}
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s × %d (%s)", c, len(took[c]), strings.Join(took[c], ", "))
	}
	return strings.Join(parts, "; ")
}

// Markdown is the bombs section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	m := r.Machine
	b.WriteString("## Preview bombs: the worker's peak memory (`make bench`, bench/bombs)\n\n")
	fmt.Fprintf(&b, "Run %s on %s, %d CPUs (%s), %.1f GiB of memory, Linux %s, %s; %s, %s; converters sandboxed with %s, "+
		"their limits set with prlimit. `%s` alone runs it: it needs no database or S3. Every figure comes from the same run. "+
		"The machine's load average (1, 5, 15 min) was %s when the run began and %s when it ended: the times depend on the other work it had, "+
		"the memory figures are those of the bench's own processes.\n\n",
		r.Date, m.Host, m.Cores, m.CPU, float64(m.MemoryMiB)/1024, m.Kernel, m.Go, m.LibreOffice, m.Poppler, m.Sandbox, r.Command,
		r.LoadBefore, r.LoadAfter)
	fmt.Fprintf(&b, "The bench starts itself again as a renderer child: one process holding one renderer, as the preview worker does, "+
		"that renders the files as the worker's job slots do, %d at once (the default CARTABLE_PREVIEW_WORKERS: the CPUs), "+
		"each copied into a scratch folder of its own and rendered through `RenderFile` with the given limits. "+
		"Every %.0f ms the bench lists /proc and sums the resident memory (VmRSS) of the child and of every process under it — "+
		"prlimit's sandbox, LibreOffice's oosplash and soffice.bin, pdftoppm — and keeps the largest sum: the worker's peak. "+
		"A conversion is one direct child of the renderer with everything under it. "+
		"RSS counts each process's shared libraries and code, so two soffice.bin count LibreOffice's code twice: the sum is an upper bound. "+
		"The renderer's own peak is the child's VmHWM.\n\n", r.Slots, r.IntervalMS)

	b.WriteString("| bomb | file | size on disk |\n|---|---|---|\n")
	for _, s := range r.Set {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", s.Kind, s.Label, size(s.Bytes))
	}
	b.WriteString("\n| scenario | cap per converter process (data) · CPU time · time limit | peak of the worker's tree MiB | renderer at the peak MiB | conversions at the peak | largest conversion MiB | renderer's own peak MiB | wall s | outcomes |\n" +
		"|---|---|---|---|---|---|---|---|---|\n")
	for _, sc := range r.Scenarios {
		name := sc.Name
		if sc.Error != "" {
			name += " (error: `" + sc.Error + "`)"
		}
		if sc.Stopped != "" {
			name += " (" + sc.Stopped + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | **%.0f** | %.0f | %d | %.0f | %.0f | %.1f | %s |\n", name, limits(sc.Settings),
			sc.PeakTreeMiB, sc.RendererAtPeakMiB, sc.ConversionsAtPeak, sc.LargestConversionMiB, sc.RendererPeakMiB, sc.WallS, outcomes(sc.Outcomes))
	}
	r.verdict(&b)

	b.WriteString("\n### Each file\n\n| scenario | file | outcome | started at s | took s | detail |\n|---|---|---|---|---|---|\n")
	for _, sc := range r.Scenarios {
		for _, o := range sc.Outcomes {
			fmt.Fprintf(&b, "| %s | %s | %s | %.1f | %.1f | %s |\n", sc.Name, o.File, o.Code, o.StartS, o.Seconds, quote(o.Detail))
		}
	}
	b.WriteString("\n### The tree at its peak\n\n| scenario | at s | processes (resident MiB, summed by name) | samples (mean, longest interval ms) |\n|---|---|---|---|\n")
	for _, sc := range r.Scenarios {
		parts := make([]string, len(sc.AtPeak))
		for i, s := range sc.AtPeak {
			parts[i] = fmt.Sprintf("%s × %d: %.0f", s.Name, s.Processes, s.MiB)
		}
		fmt.Fprintf(&b, "| %s | %.1f | %s | %d (%.1f, %.0f) |\n", sc.Name, sc.PeakAtS, strings.Join(parts, ", "), sc.Samples, sc.MeanIntervalMS, sc.LongestIntervalMS)
	}
	b.WriteString("\n")
	return b.String()
}

// verdict states the largest peak with the default limits against the sum of its
// parts' bounds: the renderer's own peak and one capped conversion per slot.
func (r Report) verdict(b *strings.Builder) {
	var peak, renderer, conversion float64
	var capBytes int64
	for _, sc := range r.Scenarios {
		if sc.Settings.ConverterBytes >= uncappedBytes {
			continue
		}
		peak, renderer = max(peak, sc.PeakTreeMiB), max(renderer, sc.RendererPeakMiB)
		conversion, capBytes = max(conversion, sc.LargestConversionMiB), sc.Settings.ConverterBytes
	}
	if capBytes == 0 {
		return
	}
	fmt.Fprintf(b, "\nWith the default limits (%s of data per converter process), the worker's tree peaked at **%.0f MiB**; "+
		"the renderer process alone at %.0f MiB, one conversion at %.0f MiB. %d slots × the largest conversion + the renderer's peak = %.0f MiB.\n",
		size(int(capBytes)), peak, renderer, conversion, r.Slots, float64(r.Slots)*conversion+renderer)
	// A conversion that reached its cap but was not recorded as too_large.
	for _, sc := range r.Scenarios {
		if sc.Settings.ConverterBytes >= uncappedBytes || sc.LargestConversionMiB < 0.9*mib(sc.Settings.ConverterBytes>>10) {
			continue
		}
		for _, o := range sc.Outcomes {
			if o.Code == preview.FailConverter {
				fmt.Fprintf(b, "\nIn the runs with the cap, a conversion reached %.0f MiB and some files ended %s (%s), not %s: "+
					"the renderer did not recognise the cap.\n", sc.LargestConversionMiB, o.Code, quote(o.Detail), preview.FailTooLarge)
				return
			}
		}
	}
}

func limits(s childSettings) string {
	data := size(int(s.ConverterBytes))
	if s.ConverterBytes >= uncappedBytes {
		data = "none (1 TiB)"
	}
	return fmt.Sprintf("%s · %.0f s · %s", data, s.Timeout.Seconds()+1, s.Timeout)
}

func size(n int) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", float64(n)/1024)
}

// quote puts a converter's message in inline code, or a dash when there is none.
func quote(s string) string {
	if s == "" {
		return "–"
	}
	return "`" + strings.NewReplacer("`", "'", "|", "\\|").Replace(s) + "`"
}

// save writes the raw results (unless dir is empty) and rewrites the bombs
// section of the markdown file (unless md is empty).
func (r Report) save(dir, md string) error {
	if dir != "" {
		path, err := record.Raw(dir, "bombs", r)
		if err != nil {
			return err
		}
		logf("raw results in %s", path)
	}
	if md == "" {
		return nil
	}
	return record.Section(md, "bombs", r.Markdown())
}
