// Package record writes what a benchmark measured: its raw figures under
// bench/results and its own section of BENCHMARKS.md, and names the processor they
// were measured on. Every benchmark of bench/ records through it.
package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Raw writes v as indented JSON to dir/<name>-<UTC time>.json and returns the path.
func Raw(dir, name string, v any) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode %s results: %w", name, err)
	}
	path := filepath.Join(dir, name+"-"+time.Now().UTC().Format("20060102T150405Z")+".json")
	return path, os.WriteFile(path, append(raw, '\n'), 0o644)
}

// Section puts body in the markdown file md between the markers of the section
// called name (<!-- name:start --> and <!-- name:end -->), replacing what was
// there, or at the end of the file when the section is new. The other sections
// stay as they are.
func Section(md, name, body string) error {
	start, end := "<!-- "+name+":start -->", "<!-- "+name+":end -->"
	section := start + "\n" + body + end + "\n"
	old, err := os.ReadFile(md)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(old)
	if i, j := strings.Index(text, start), strings.Index(text, end); i >= 0 && j > i {
		text = text[:i] + section + text[min(len(text), j+len(end)+1):]
	} else {
		if text == "" {
			text = "# Benchmarks\n"
		}
		text += "\n" + section
	}
	return os.WriteFile(md, []byte(text), 0o644)
}

// CPU is the processor's model name, as Linux reports it ("" elsewhere).
func CPU() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// Machine names the processor, the CPUs, the memory and the Go version of a run.
func Machine() string {
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kib int64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%d", &kib)
		mem = fmt.Sprintf(", %.1f GiB RAM", float64(kib)/(1<<20))
	}
	return fmt.Sprintf("%s (%d CPUs%s), %s", CPU(), runtime.NumCPU(), mem, runtime.Version())
}
