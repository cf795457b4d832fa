package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"cartable/bench/node"
)

// bench is one node and the teacher whose space is measured.
type bench struct {
	env   *node.Env
	base  string
	token string
	home  string // the root id of "Mes documents"
	http  *http.Client
}

func run(ctx context.Context, r *Report) error {
	env, err := node.SetUp(ctx, "dav", nil)
	if err != nil {
		return err
	}
	defer env.TearDown()
	srv, err := env.StartCartable(ctx, map[string]string{"CARTABLE_MAX_UPLOAD_BYTES": fmt.Sprint(r.Size + 1)})
	if err != nil {
		return err
	}
	defer srv.Stop()
	b := &bench{env: env, base: srv.Base, http: &http.Client{Timeout: 10 * time.Minute}}
	if err := b.prepare(ctx); err != nil {
		return err
	}
	if err := b.listing(ctx, r); err != nil {
		return err
	}
	err = b.transfers(ctx, r)
	if load, e := os.ReadFile("/proc/loadavg"); e == nil {
		r.Load = strings.Join(strings.Fields(string(load))[:3], " ")
	}
	return err
}

// prepare signs the teacher in and lifts the quotas the transfers would fill.
func (b *bench) prepare(ctx context.Context) error {
	var err error
	if b.token, err = b.devToken(ctx, "prof.martin"); err != nil {
		return err
	}
	svc, err := b.devToken(ctx, "service.provisioning")
	if err != nil {
		return err
	}
	for _, path := range []string{"users/prof.martin", "structures/0600001A/pool"} {
		body := strings.NewReader(`{"limit_bytes": 1099511627776}`)
		if _, err := b.call(ctx, svc, http.MethodPut, "/api/v1/admin/quota/"+path, body, -1, map[string]string{"Content-Type": "application/json"}, http.StatusNoContent); err != nil {
			return err
		}
	}
	res, err := b.call(ctx, b.token, http.MethodGet, "/api/v1/spaces", nil, -1, nil, http.StatusOK)
	if err != nil {
		return err
	}
	var spaces struct {
		Spaces []struct {
			Kind   string `json:"kind"`
			RootID string `json:"root_id"`
		} `json:"spaces"`
	}
	if err := json.Unmarshal(res, &spaces); err != nil {
		return err
	}
	for _, sp := range spaces.Spaces {
		if sp.Kind == "personal" {
			b.home = sp.RootID
		}
	}
	return nil
}

func (b *bench) devToken(ctx context.Context, user string) (string, error) {
	res, err := b.call(ctx, "", http.MethodGet, "/dev/token?user="+user, nil, -1, nil, http.StatusOK)
	if err != nil {
		return "", err
	}
	var tok struct {
		Token string `json:"token"`
	}
	return tok.Token, json.Unmarshal(res, &tok)
}

// call sends a request and reads its answer whole, failing on another status.
func (b *bench) call(ctx context.Context, token, method, path string, body io.Reader, size int64, header map[string]string, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		return nil, err
	}
	if size >= 0 {
		req.ContentLength = size
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d, want %d: %.300s", method, path, res.StatusCode, want, out)
	}
	return out, nil
}

// listing fills a folder with r.Items files (one uploaded, the others its copies
// written in SQL: the listing reads items, not bytes) and measures PROPFIND Depth 1
// of it, as a file manager sends it (allprop).
func (b *bench) listing(ctx context.Context, r *Report) error {
	logf("dav: a folder of %d items", r.Items)
	if _, err := b.call(ctx, b.token, "MKCOL", "/dav/Mes%20documents/Photos", nil, -1, nil, http.StatusCreated); err != nil {
		return err
	}
	if _, err := b.call(ctx, b.token, http.MethodPut, "/dav/Mes%20documents/Photos/photo%2000001.jpg", strings.NewReader("jpeg"), 4, nil, http.StatusCreated); err != nil {
		return err
	}
	if err := b.fill(ctx, r.Items); err != nil {
		return err
	}
	var err error
	if r.PropfindP50, r.PropfindP99, r.ListingBytes, err = b.propfinds(ctx, r, fileManagerProps); err != nil {
		return err
	}
	logf("dav: PROPFIND (props) p50 %.1f ms, p99 %.1f ms", r.PropfindP50, r.PropfindP99)
	if r.AllpropP50, r.AllpropP99, r.AllpropBytes, err = b.propfinds(ctx, r, ""); err != nil {
		return err
	}
	logf("dav: PROPFIND (allprop) p50 %.1f ms, p99 %.1f ms", r.AllpropP50, r.AllpropP99)
	return nil
}

// fileManagerProps is the PROPFIND body GNOME's file manager (gvfs) sends; rclone
// and Windows ask for much the same properties.
const fileManagerProps = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:creationdate/><D:displayname/><D:getcontentlength/><D:getcontenttype/><D:getetag/><D:getlastmodified/><D:resourcetype/></D:prop></D:propfind>`

// propfinds sends r.Listings PROPFIND Depth 1 of the folder with body (empty:
// allprop), after 5 unmeasured ones, and answers p50, p99 and the answer's size.
func (b *bench) propfinds(ctx context.Context, r *Report, body string) (p50, p99 float64, size int, err error) {
	var times []time.Duration
	for i := range r.Listings + 5 {
		start := time.Now()
		out, err := b.call(ctx, b.token, "PROPFIND", "/dav/Mes%20documents/Photos/", strings.NewReader(body), int64(len(body)),
			map[string]string{"Depth": "1", "Content-Type": "application/xml"}, http.StatusMultiStatus)
		if err != nil {
			return 0, 0, 0, err
		}
		if n := bytes.Count(out, []byte("<D:response>")); n != r.Items+1 {
			return 0, 0, 0, fmt.Errorf("the listing has %d responses, want %d", n, r.Items+1)
		}
		if i >= 5 { // the first ones warm the caches
			times = append(times, time.Since(start))
		}
		size = len(out)
	}
	slices.Sort(times)
	return ms(times[len(times)/2]), ms(times[min(len(times)-1, len(times)*99/100)]), size, nil
}

// fill adds the copies of the folder's one file, sharing its blob.
func (b *bench) fill(ctx context.Context, items int) error {
	conn, err := pgx.Connect(ctx, b.env.DBURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// Items first, versions after, in one transaction: the version triggers read
	// their item's space (the current-version key is checked at the commit).
	_, err = conn.Exec(ctx, `
		BEGIN;
		CREATE TEMP TABLE fill AS
			SELECT i.space_id, i.parent_id, i.ancestors, i.created_by, v.blob_id, v.size, v.sha256, v.mime_type,
				gen_random_uuid() AS id, gen_random_uuid() AS vid, 'photo ' || lpad(g::text, 5, '0') || '.jpg' AS name
			FROM items i JOIN versions v ON v.id = i.current_version_id, generate_series(2, `+fmt.Sprint(items)+`) g
			WHERE i.name = 'photo 00001.jpg';
		INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, size, mime_type, current_version_id, created_by, modified_by)
			SELECT id, space_id, parent_id, ancestors, 'file', name, name, size, mime_type, vid, created_by, created_by FROM fill;
		INSERT INTO versions (id, item_id, number, blob_id, size, sha256, mime_type, created_by)
			SELECT vid, id, 1, blob_id, size, sha256, mime_type, created_by FROM fill;
		COMMIT;`)
	if err != nil {
		return fmt.Errorf("fill the folder: %w", err)
	}
	return nil
}

// transfers measures PUT and GET of the large file through both doors, rounds
// interleaved, the bucket emptied after each round.
func (b *bench) transfers(ctx context.Context, r *Report) error {
	chunk := make([]byte, 4<<20)
	rand.Read(chunk)
	var davPut, apiPut, davGet, apiGet []float64
	for round := range r.Runs {
		logf("dav: round %d of %d, %d MiB each way", round+1, r.Runs, r.Size>>20)
		name := fmt.Sprintf("gros%d.bin", round)
		mibps, err := b.timed(func() error {
			_, err := b.call(ctx, b.token, http.MethodPut, "/dav/Mes%20documents/"+name, &repeat{chunk: chunk, left: r.Size}, r.Size, nil, http.StatusCreated)
			return err
		}, r.Size)
		if err != nil {
			return err
		}
		davPut = append(davPut, mibps)
		id, err := b.itemID(ctx, name)
		if err != nil {
			return err
		}
		mibps, err = b.timed(func() error {
			_, err := b.call(ctx, b.token, http.MethodPut, "/api/v1/items/"+id+"/content", &repeat{chunk: chunk, left: r.Size}, r.Size, nil, http.StatusOK)
			return err
		}, r.Size)
		if err != nil {
			return err
		}
		apiPut = append(apiPut, mibps)
		if mibps, err = b.download(ctx, "/dav/Mes%20documents/"+name, r.Size); err != nil {
			return err
		}
		davGet = append(davGet, mibps)
		if mibps, err = b.download(ctx, "/api/v1/items/"+id+"/content", r.Size); err != nil {
			return err
		}
		apiGet = append(apiGet, mibps)
		if err := b.env.EmptyBucket(ctx); err != nil {
			return err
		}
	}
	r.DavPut, r.APIPut, r.DavGet, r.APIGet = median(davPut), median(apiPut), median(davGet), median(apiGet)
	return nil
}

func (b *bench) timed(f func() error, size int64) (float64, error) {
	start := time.Now()
	if err := f(); err != nil {
		return 0, err
	}
	return float64(size) / (1 << 20) / time.Since(start).Seconds(), nil
}

// download reads a file to its end and answers its throughput in MiB/s.
func (b *bench) download(ctx context.Context, path string, size int64) (float64, error) {
	return b.timed(func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+b.token)
		res, err := b.http.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		n, err := io.Copy(io.Discard, res.Body)
		if err == nil && (res.StatusCode != http.StatusOK || n != size) {
			err = fmt.Errorf("GET %s: %d, %d bytes", path, res.StatusCode, n)
		}
		return err
	}, size)
}

// itemID finds a file of "Mes documents" by name through the API.
func (b *bench) itemID(ctx context.Context, name string) (string, error) {
	out, err := b.call(ctx, b.token, http.MethodGet, "/api/v1/items/"+b.home+"/children?limit=1000", nil, -1, nil, http.StatusOK)
	if err != nil {
		return "", err
	}
	var page struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	if err := json.Unmarshal(out, &page); err != nil {
		return "", err
	}
	for _, it := range page.Items {
		if it.Name == name {
			return it.ID, nil
		}
	}
	return "", fmt.Errorf("no %s in Mes documents", name)
}

// repeat is a body of left bytes, one random chunk over and over.
type repeat struct {
	chunk []byte
	left  int64
	off   int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), r.left)], r.chunk[r.off:])
	r.off = (r.off + n) % len(r.chunk)
	r.left -= int64(n)
	return n, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
