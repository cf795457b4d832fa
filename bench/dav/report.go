package main

import (
	"fmt"
	"strings"

	"cartable/bench/record"
)

// Report is what one run measured.
type Report struct {
	Machine      string
	Date         string
	Items        int
	Listings     int
	Size         int64
	Runs         int
	ListingBytes int
	PropfindP50  float64 // ms
	PropfindP99  float64 // ms
	AllpropP50   float64 // ms
	AllpropP99   float64 // ms
	AllpropBytes int
	// Load is /proc/loadavg when the run ended: the machine may be shared.
	Load string
	// Medians of the transfers, MiB/s.
	DavPut, APIPut, DavGet, APIGet float64
}

func (r Report) save(dir, md string) error {
	path, err := record.Raw(dir, "dav", r)
	if err != nil {
		return err
	}
	logf("dav: raw results in %s", path)
	return record.Section(md, "dav", r.Markdown())
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// Markdown is the WebDAV section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## WebDAV (`go run ./bench/dav`)\n\n")
	fmt.Fprintf(&b, "Measured %s on %s. One `cartable serve` node on the test stack (PostgreSQL and MinIO on the same machine).\n\n", r.Date, r.Machine)
	fmt.Fprintf(&b, "| measure | result | target |\n| --- | --- | --- |\n")
	fmt.Fprintf(&b, "| PROPFIND Depth 1 of a %d-item folder, the 7 properties a file manager asks, %d requests, %d KiB answer: p50 | %.1f ms | |\n", r.Items, r.Listings, r.ListingBytes>>10, r.PropfindP50)
	fmt.Fprintf(&b, "| … p99 | %.1f ms | < 150 ms: %s |\n", r.PropfindP99, verdict(r.PropfindP99 < 150))
	fmt.Fprintf(&b, "| the same with allprop (lock properties too), %d KiB answer: p50 | %.1f ms | |\n", r.AllpropBytes>>10, r.AllpropP50)
	fmt.Fprintf(&b, "| … p99 | %.1f ms | |\n", r.AllpropP99)
	fmt.Fprintf(&b, "| PUT of %d MiB through /dav/ | %.0f MiB/s | |\n", r.Size>>20, r.DavPut)
	fmt.Fprintf(&b, "| PUT …/content through /api/v1 | %.0f MiB/s | |\n", r.APIPut)
	fmt.Fprintf(&b, "| PUT ratio /dav/ ÷ /api/v1 | %.2f | ≥ 0.8: %s |\n", r.DavPut/r.APIPut, verdict(r.DavPut/r.APIPut >= 0.8))
	fmt.Fprintf(&b, "| GET through /dav/ | %.0f MiB/s | |\n", r.DavGet)
	fmt.Fprintf(&b, "| GET …/content through /api/v1 | %.0f MiB/s | |\n", r.APIGet)
	fmt.Fprintf(&b, "| GET ratio /dav/ ÷ /api/v1 | %.2f | ≥ 0.8: %s |\n\n", r.DavGet/r.APIGet, verdict(r.DavGet/r.APIGet >= 0.8))
	fmt.Fprintf(&b, "Load average when the run ended: %s. ", r.Load)
	fmt.Fprintf(&b, "A GET through /dav/ copies the object to the client 1 MiB at a time (the API's download, io.Copy's 32 KiB), which is why its ratio passes 1; GET figures vary widely between runs on a shared machine. ")
	fmt.Fprintf(&b, "Transfers: medians of %d rounds, the two doors interleaved in each round. The API's single-request limit is raised for the run so that it takes the same 1 GiB body in one request: both doors then run the same upload pipeline (quota reserved from Content-Length, one S3 multipart upload), and the ratio measures what WebDAV adds. The 10,000 items are one uploaded file and its copies written in SQL (the listing reads rows, not bytes).\n\n", r.Runs)
	return b.String()
}
