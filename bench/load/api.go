package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cartable/bench/node"
)

// Answer is what a request came back with, its body read to the end.
type Answer struct {
	Status int
	Bytes  int64
	Header http.Header
	Err    error
	Detail string // a failure, in words
}

// send runs a request as the user and reads its answer to the end: the time
// measured is the user's, from the request to the last byte.
func send(c *node.Client, req *http.Request) Answer {
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return Answer{Err: err, Detail: fmt.Sprintf("%s %s: %v", req.Method, route(req.URL.Path), err)}
	}
	defer res.Body.Close()
	a := Answer{Status: res.StatusCode, Header: res.Header}
	if res.StatusCode >= 500 { // keep what the server said, for the report
		head, _ := io.ReadAll(io.LimitReader(res.Body, 300))
		a.Detail, a.Bytes = fmt.Sprintf("%s %s: %d %s", req.Method, route(req.URL.Path), res.StatusCode, head), int64(len(head))
	}
	n, err := io.Copy(io.Discard, res.Body)
	a.Bytes += n
	if a.Err = err; err != nil {
		a.Detail = fmt.Sprintf("%s %s: reading the answer: %v", req.Method, route(req.URL.Path), err)
	}
	return a
}

// route is a path with its ids left out, so that the same failure reads the same.
func route(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if len(p) == 36 && strings.Count(p, "-") == 4 {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

// get is a GET of path as the user.
func get(ctx context.Context, c *node.Client, path string, header ...string) Answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		return Answer{Err: err}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return send(c, req)
}

// onePart is the web app's tus part size (web/static/js/upload.js): a file up
// to it goes in the creation request itself, a larger one in PATCHes of it.
const onePart = 16 << 20

// tusUpload sends size bytes of body as a new file of folder, as the web app
// does, and answers the last request's answer (its Cartable-Item-Id names the
// new item). body is read once, through the user's link.
func tusUpload(ctx context.Context, c *node.Client, folder, name string, size int64, body io.Reader) Answer {
	meta := "filename " + base64.StdEncoding.EncodeToString([]byte(name)) +
		",parent " + base64.StdEncoding.EncodeToString([]byte(folder))
	first := io.Reader(nil)
	if size <= onePart {
		first = body
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/api/v1/uploads", first)
	if err != nil {
		return Answer{Err: err}
	}
	tusHeaders(req, meta)
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	if first != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/offset+octet-stream")
	}
	a := send(c, req)
	if a.Err != nil || a.Status != http.StatusCreated || first != nil {
		return a
	}
	return patchParts(ctx, c, a.Header.Get("Location"), size, body)
}

// patchParts sends a created upload's bytes in parts of onePart.
func patchParts(ctx context.Context, c *node.Client, location string, size int64, body io.Reader) Answer {
	if location == "" {
		return Answer{Err: fmt.Errorf("tus creation answered no Location")}
	}
	if location[0] == '/' {
		location = c.Base + location
	}
	var a Answer
	for offset := int64(0); offset < size; offset += onePart {
		part := min(onePart, size-offset)
		req, err := http.NewRequestWithContext(ctx, http.MethodPatch, location, io.LimitReader(body, part))
		if err != nil {
			return Answer{Err: err}
		}
		tusHeaders(req, "")
		req.ContentLength = part
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
		if a = send(c, req); a.Err != nil || a.Status != http.StatusNoContent {
			return a
		}
	}
	return a
}

func tusHeaders(req *http.Request, meta string) {
	req.Header.Set("Tus-Resumable", "1.0.0")
	if meta != "" {
		req.Header.Set("Upload-Metadata", meta)
	}
}

// timed runs fn and answers its sample.
func timed(op Op, fn func() Answer) Sample {
	start := time.Now()
	a := fn()
	s := Sample{Op: op, Seconds: time.Since(start).Seconds(), Status: a.Status, Failed: failed(a.Status, a.Err), Bytes: a.Bytes}
	if s.Failed {
		s.Detail = a.Detail
	}
	return s
}
