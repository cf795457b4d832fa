package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"

	"cartable/bench/node"
)

// Result is one way of downloading the hand-ins, in one round.
type Result struct {
	Peer    string  `json:"peer"`
	Files   int     `json:"files"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	MiBps   float64 `json:"mib_per_s"`
	Memory
}

// Memory is the server's memory before and during a download.
type Memory = node.Memory

const (
	peerZip  = "collect zip, one request"
	peerEach = "the same files one by one"
	peerFew  = "collect zip of fewer pupils"
)

// measure runs the rounds: the zip and the one-by-one downloads once each, in
// alternating order so a slow moment of the machine does not always fall on the
// same one; then the smaller zip, to compare the memory of two sizes.
func (c *class) measure(ctx context.Context, r *Report) error {
	// Warm-up, not measured: the connections, the server's first zip.
	if _, err := c.zip(ctx, peerZip, nil); err != nil {
		return err
	}
	r.Load[0] = loadAverage()
	defer func() { r.Load[1] = loadAverage() }()
	for run := range r.Runs {
		ways := []func(context.Context) (Result, error){
			func(ctx context.Context) (Result, error) { return c.zip(ctx, peerZip, nil) },
			c.oneByOne,
		}
		if run%2 == 1 {
			slices.Reverse(ways)
		}
		for _, way := range ways {
			res, err := way(ctx)
			if err != nil {
				return err
			}
			logf("round %d: %s: %.0f MiB/s, heap %.1f → %.1f MiB, RSS %.0f → %.0f MiB", run+1, res.Peer, res.MiBps,
				res.HeapBeforeMiB, res.HeapPeakMiB, res.RSSBeforeMiB, res.RSSPeakMiB)
			r.Results = append(r.Results, res)
		}
	}
	res, err := c.zip(ctx, peerFew, c.pupilIDs[:r.Few])
	if err != nil {
		return err
	}
	logf("%s: %.0f MiB/s, heap %.1f → %.1f MiB, RSS %.0f → %.0f MiB", res.Peer, res.MiBps, res.HeapBeforeMiB, res.HeapPeakMiB, res.RSSBeforeMiB, res.RSSPeakMiB)
	r.Results = append(r.Results, res)
	return nil
}

// zip asks for the collect of the pupils (nil: all) and downloads it, as the
// browser follows its signed URL; the time counts both requests.
func (c *class) zip(ctx context.Context, peer string, pupils []string) (Result, error) {
	res := Result{Peer: peer, Files: len(c.pinned)}
	if pupils != nil {
		res.Files = len(pupils)
	}
	var err error
	res.Memory, res.Bytes, res.Seconds, err = c.server.Sampled(ctx, func() (int64, error) {
		var col struct {
			URL    string `json:"download_url"`
			Pupils int    `json:"pupils"`
		}
		body := map[string]any{}
		if pupils != nil {
			body["pupil_ids"] = pupils
		}
		if err := c.call(ctx, c.prof, http.MethodPost, "/api/v1/assignments/"+c.assignment+"/collect", body, &col); err != nil {
			return 0, err
		}
		if col.Pupils != res.Files {
			return 0, fmt.Errorf("the collect holds %d pupils, want %d", col.Pupils, res.Files)
		}
		return fetch(ctx, col.URL, "")
	})
	if err == nil && res.Bytes < int64(res.Files)*c.each {
		err = fmt.Errorf("the zip has %d bytes, less than the %d files", res.Bytes, res.Files)
	}
	res.MiBps = float64(res.Bytes) / (1 << 20) / res.Seconds
	return res, err
}

// oneByOne downloads each handed-in version in turn, as a teacher clicking each
// file of the dashboard would (one connection, kept alive).
func (c *class) oneByOne(ctx context.Context) (Result, error) {
	res := Result{Peer: peerEach, Files: len(c.pinned)}
	var err error
	res.Memory, res.Bytes, res.Seconds, err = c.server.Sampled(ctx, func() (int64, error) {
		var total int64
		for _, path := range c.pinned {
			n, err := fetch(ctx, c.server.Base+path, c.prof)
			if err != nil {
				return 0, err
			}
			total += n
		}
		return total, nil
	})
	if err == nil && res.Bytes != int64(res.Files)*c.each {
		err = fmt.Errorf("downloaded %d bytes, want %d", res.Bytes, int64(res.Files)*c.each)
	}
	res.MiBps = float64(res.Bytes) / (1 << 20) / res.Seconds
	return res, err
}

// fetch downloads a URL to nowhere and answers its length.
func fetch(ctx context.Context, url, token string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 2000))
		return 0, fmt.Errorf("GET %s: %d %s", req.URL.Path, res.StatusCode, b)
	}
	return io.CopyBuffer(io.Discard, res.Body, make([]byte, 256<<10))
}
