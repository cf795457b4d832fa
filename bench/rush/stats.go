package main

import (
	"math"
	"slices"
)

// Stats summarizes durations in seconds.
type Stats struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	Max float64 `json:"max"`
}

// stats is the nearest-rank percentiles of v.
func stats(v []float64) Stats {
	if len(v) == 0 {
		return Stats{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	rank := func(p float64) float64 { return s[max(0, int(math.Ceil(p*float64(len(s))))-1)] }
	return Stats{N: len(s), P50: rank(0.50), P95: rank(0.95), Max: s[len(s)-1]}
}
