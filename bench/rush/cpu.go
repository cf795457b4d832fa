package main

import (
	"os"

	"cartable/proc"
)

// CPUShare is the CPU time, in seconds, each part of the machine took over a
// scenario (from the burst's start to its last rendition): where the cores went
// that the renderer alone had to itself in the raw pass.
type CPUShare struct {
	Cartable   float64 `json:"cartable"`   // the API node and workers, their converters included
	MinIO      float64 `json:"minio"`      // the object store
	PostgreSQL float64 `json:"postgresql"` // every backend
	Clamd      float64 `json:"clamd"`
	Bench      float64 `json:"bench"` // this process: the pupils' uploads and the screens' watch
	Other      float64 `json:"other"` // the rest of the machine, the kernel's own work included
	Machine    float64 `json:"machine"`
}

// cpuNow reads the CPU time taken so far by each part of the machine. A process
// counts with the children it reaped (a converter in its node's, a PostgreSQL
// backend that ended in the postmaster's); a process that ended between two
// readings is missed unless its parent reaped it, which the processes measured
// here do. On a system without /proc it answers zeros.
func cpuNow() CPUShare {
	self := os.Getpid()
	byName := proc.CPUByName(self, "cartable", "minio", "postgres", "clamd")
	var bench float64
	if c, ok := proc.ReadCPU(self); ok {
		bench = c.Self + c.Children
	}
	return CPUShare{Cartable: byName["cartable"], MinIO: byName["minio"], PostgreSQL: byName["postgres"], Clamd: byName["clamd"],
		Bench: bench, Machine: proc.MachineBusy()}
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
