package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"
)

// Meter reads the CPU time of the processes a run watches from Linux's /proc:
// the API node(s), the worker(s), this harness, and the whole machine, which
// other work shares (the load average says how much).
type Meter struct {
	API, Workers []int  // pids; none in -target mode unless -pids names them
	Base         string // the API node whose /metrics give its own timings
}

// Reading is the CPU seconds used so far.
type Reading struct {
	At                       time.Time
	API, Workers, Self, Busy float64
	Load                     float64
	Server                   ServerTimes
}

// Cores is the mean number of cores each kind of process kept busy between two
// readings, and the load average at the end.
type Cores struct {
	API     float64 `json:"api"`
	Workers float64 `json:"workers"`
	Harness float64 `json:"harness"`
	Machine float64 `json:"machine"` // every process of the machine, other work included
	Load    float64 `json:"load1"`
}

// clockTicks is Linux's USER_HZ, the unit of /proc's CPU times (100 on every
// architecture Go's runtime targets).
const clockTicks = 100

// Read takes a reading now.
func (m *Meter) Read() Reading {
	r := Reading{At: time.Now(), Self: processCPU("self"), Busy: machineBusy(), Load: loadAverage()}
	if m.Base != "" {
		r.Server = serverTimes(context.Background(), m.Base)
	}
	for _, pid := range m.API {
		r.API += processCPU(strconv.Itoa(pid))
	}
	for _, pid := range m.Workers {
		r.Workers += processCPU(strconv.Itoa(pid))
	}
	return r
}

// Cores is the cores used between a and b.
func (m *Meter) Cores(a, b Reading) Cores {
	wall := b.At.Sub(a.At).Seconds()
	if wall <= 0 {
		return Cores{}
	}
	return Cores{API: (b.API - a.API) / wall, Workers: (b.Workers - a.Workers) / wall,
		Harness: (b.Self - a.Self) / wall, Machine: (b.Busy - a.Busy) / wall, Load: b.Load}
}

// processCPU is a process's user + system time, in seconds (0 when it is gone).
func processCPU(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces: the fields are counted after its ")".
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseFloat(f[11], 64)
	sys, _ := strconv.ParseFloat(f[12], 64)
	return (user + sys) / clockTicks
}

// machineBusy is the CPU time every core spent on anything but idling and
// waiting for I/O since boot, in seconds.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	busy := 0.0
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 7 { // steal is the hypervisor's; guest times are already in user
			break
		}
		x, _ := strconv.ParseFloat(v, 64)
		busy += x
	}
	return busy / clockTicks
}

// loadAverage is the machine's 1-minute load average.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	x, _ := strconv.ParseFloat(f[0], 64)
	return x
}
