package main

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
)

// ServerTimes are the API node's own request timings (its
// cartable_http_request_duration_seconds histogram, every route but the tus
// uploads', whose time is the client's link): what the node measured from the
// moment its handler chain started, against what the users saw, which adds the
// wait for a core and the network.
type ServerTimes struct {
	Requests float64 `json:"requests"`
	Seconds  float64 `json:"seconds"`   // summed
	Under500 float64 `json:"under_500"` // requests the node answered in 500 ms or less
}

const durationMetric = "cartable_http_request_duration_seconds"

// serverTimes scrapes the node's /metrics (served to the loopback without a
// token); zero when it cannot.
func serverTimes(ctx context.Context, base string) ServerTimes {
	var t ServerTimes
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return t
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return t
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return t
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		t.add(sc.Text())
	}
	return t
}

// add counts one line of the exposition format.
func (t *ServerTimes) add(line string) {
	name, rest, ok := strings.Cut(line, "{")
	if !ok || !strings.HasPrefix(name, durationMetric) || strings.Contains(rest, `route="/api/v1/uploads`) {
		return
	}
	labels, value, ok := strings.Cut(rest, "} ")
	if !ok {
		return
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil {
		return
	}
	switch name {
	case durationMetric + "_count":
		t.Requests += v
	case durationMetric + "_sum":
		t.Seconds += v
	case durationMetric + "_bucket":
		if strings.Contains(labels, `le="0.5"`) {
			t.Under500 += v
		}
	}
}

// since is what happened between an earlier scrape and this one.
func (t ServerTimes) since(earlier ServerTimes) ServerTimes {
	return ServerTimes{Requests: t.Requests - earlier.Requests, Seconds: t.Seconds - earlier.Seconds, Under500: t.Under500 - earlier.Under500}
}

// MeanMs is the mean time the node took per request.
func (t ServerTimes) MeanMs() float64 {
	if t.Requests <= 0 {
		return 0
	}
	return 1000 * t.Seconds / t.Requests
}

// SlowShare is the share of requests the node took over 500 ms on.
func (t ServerTimes) SlowShare() float64 {
	if t.Requests <= 0 {
		return 0
	}
	return 1 - t.Under500/t.Requests
}
