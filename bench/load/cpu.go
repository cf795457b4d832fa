package main

import (
	"context"
	"os"
	"time"

	"cartable/proc"
)

// Meter reads the CPU time of the processes a run watches from Linux's /proc:
// the API node(s), the worker(s), this harness, PostgreSQL and MinIO (by their
// command names: this machine's, none in -target mode), and the whole machine,
// which other work shares (the load average says how much).
type Meter struct {
	API, Workers []int  // pids; none in -target mode unless -pids names them
	Base         string // the API node whose /metrics give its own timings
}

// Reading is the CPU seconds used so far.
type Reading struct {
	At                       time.Time
	API, Workers, Self, Busy float64
	PostgreSQL, MinIO        float64
	Load                     float64
	Server                   ServerTimes
}

// Cores is the mean number of cores each kind of process kept busy between two
// readings, and the load average at the end.
type Cores struct {
	API        float64 `json:"api"`
	Workers    float64 `json:"workers"`
	Harness    float64 `json:"harness"`
	PostgreSQL float64 `json:"postgresql"` // every backend (zero in results before 2026-12-04: in Machine only)
	MinIO      float64 `json:"minio"`
	Machine    float64 `json:"machine"` // every process of the machine, other work included
	Load       float64 `json:"load1"`
}

// Read takes a reading now.
func (m *Meter) Read() Reading {
	r := Reading{At: time.Now(), Self: processCPU(os.Getpid()), Busy: proc.MachineBusy(), Load: proc.LoadAverage()}
	if m.Base != "" {
		r.Server = serverTimes(context.Background(), m.Base)
	}
	byName := proc.CPUByName(0, "postgres", "minio")
	r.PostgreSQL, r.MinIO = byName["postgres"], byName["minio"]
	for _, pid := range m.API {
		r.API += processCPU(pid)
	}
	for _, pid := range m.Workers {
		r.Workers += processCPU(pid)
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
		Harness: (b.Self - a.Self) / wall, PostgreSQL: (b.PostgreSQL - a.PostgreSQL) / wall, MinIO: (b.MinIO - a.MinIO) / wall,
		Machine: (b.Busy - a.Busy) / wall, Load: b.Load}
}

// processCPU is a process's user + system time, in seconds (0 when it is gone).
func processCPU(pid int) float64 {
	c, _ := proc.ReadCPU(pid)
	return c.Self
}
