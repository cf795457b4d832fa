package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CPUShare is the CPU time, in seconds, each part of the machine took over a
// scenario (from the burst's start to its last rendition): where the cores went
// that the renderer alone had to itself in the raw pass.
type CPUShare struct {
	Cartable   float64 `json:"cartable"`   // the API node and workers, their converters included
	MinIO      float64 `json:"minio"`      // the object store
	PostgreSQL float64 `json:"postgresql"` // every backend
	Clamd      float64 `json:"clamd"`
	Bench      float64 `json:"bench"` // this process: the pupils' uploads and the teacher's listings
	Other      float64 `json:"other"` // the rest of the machine, the kernel's own work included
	Machine    float64 `json:"machine"`
}

// cpuGroups names the processes by their command name (/proc/PID/comm).
var cpuGroups = map[string]func(*CPUShare) *float64{
	"cartable": func(s *CPUShare) *float64 { return &s.Cartable },
	"minio":    func(s *CPUShare) *float64 { return &s.MinIO },
	"postgres": func(s *CPUShare) *float64 { return &s.PostgreSQL },
	"clamd":    func(s *CPUShare) *float64 { return &s.Clamd },
}

// clockTicks is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTicks = 100

// cpuNow reads the CPU time taken so far by each part of the machine. A process
// counts with the children it reaped (a converter in its node's, a PostgreSQL
// backend that ended in the postmaster's); a process that ended between two
// readings is missed unless its parent reaped it, which the processes measured
// here do. On a system without /proc it answers zeros.
func cpuNow() CPUShare {
	var s CPUShare
	self := os.Getpid()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		comm, seconds, ok := processTimes(dir)
		if !ok {
			continue
		}
		switch group, known := cpuGroups[comm]; {
		case pid == self:
			s.Bench += seconds
		case known:
			*group(&s) += seconds
		}
	}
	s.Machine = machineBusy()
	return s
}

// processTimes reads a process's command name and its CPU time with that of the
// children it reaped.
func processTimes(dir string) (string, float64, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return "", 0, false
	}
	// pid (comm) state ppid …: comm may hold spaces and parentheses.
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) < 15 {
		return "", 0, false
	}
	var ticks float64
	for _, f := range fields[11:15] { // utime stime cutime cstime
		n, _ := strconv.ParseFloat(f, 64)
		ticks += n
	}
	return string(b[open+1 : end]), ticks / clockTicks, true
}

// machineBusy is the machine's CPU time not idle, from /proc/stat's first line.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	var busy float64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 7 { // guest times are counted in user already
			break
		}
		n, _ := strconv.ParseFloat(f, 64)
		busy += n
	}
	return busy / clockTicks
}

// since is the CPU time taken from an earlier reading to this one; Other is what
// the machine spent beyond the parts named.
func (s CPUShare) since(before CPUShare) CPUShare {
	d := CPUShare{
		Cartable:   s.Cartable - before.Cartable,
		MinIO:      s.MinIO - before.MinIO,
		PostgreSQL: s.PostgreSQL - before.PostgreSQL,
		Clamd:      s.Clamd - before.Clamd,
		Bench:      s.Bench - before.Bench,
		Machine:    s.Machine - before.Machine,
	}
	d.Other = max(0, d.Machine-d.Cartable-d.MinIO-d.PostgreSQL-d.Clamd-d.Bench)
	return d
}
