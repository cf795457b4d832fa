package cluster

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The smoke test of the cluster: everything goes through the API proxy, which sends
// each request to the next API node, so consecutive requests of one client land on
// different nodes. The tests run one after the other (they count on that turn).

const mib = 1 << 20

// unique makes the names of one run differ from the last run's on the same cluster.
func unique(name string) string {
	ext := filepath.Ext(name)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), time.Now().UnixNano(), ext)
}

// TestClusterUploadResumedOnOtherNodes: one tus upload sent in parts, each after a
// HEAD as a resuming client does, the parts landing on different API nodes; the file
// read back (from yet another node) is the bytes sent, and its shards are on every
// MinIO drive.
func TestClusterUploadResumedOnOtherNodes(t *testing.T) {
	base := clusterURL(t)
	lea := signIn(t, base, "eleve.6a.05")
	data := make([]byte, 22*mib)
	rand.Read(data)
	path, r := lea.create(len(data), "filename", unique("exposé.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	created := r.node
	patchNodes := map[string]bool{}
	var last answer
	for off := 0; off < len(data); {
		head := lea.tus(http.MethodHead, path, nil, nil)
		want(t, head, http.StatusOK, "HEAD")
		if got := head.Header.Get("Upload-Offset"); got != strconv.Itoa(off) {
			t.Fatalf("HEAD on %s: offset %s, want %d", head.node, got, off)
		}
		end := min(off+6*mib, len(data))
		last = lea.tus(http.MethodPatch, path, data[off:end], map[string]string{"Upload-Offset": strconv.Itoa(off)})
		want(t, last, http.StatusNoContent, fmt.Sprintf("PATCH at %d", off))
		patchNodes[last.node] = true
		off = end
	}
	t.Logf("created on %s, parts sent to %v", created, keys(patchNodes))
	if len(patchNodes) < 2 {
		t.Errorf("every part landed on %v: the upload was never resumed on another node", keys(patchNodes))
	}
	id := last.Header.Get("Cartable-Item-Id")
	if id == "" {
		t.Fatalf("the last PATCH names no item: %v", last.Header)
	}
	got := lea.do(http.MethodGet, "/api/v1/items/"+id+"/content", nil, nil)
	want(t, got, http.StatusOK, "download")
	if sha256.Sum256(got.body) != sha256.Sum256(data) {
		t.Fatalf("the file read back on %s is not the one sent (%d bytes)", got.node, len(got.body))
	}
	checkShardsOnEveryDrive(t, path[strings.LastIndex(path, "/")+1:])
}

// checkShardsOnEveryDrive: MinIO's erasure coding wrote a shard of the upload's
// object (its key ends with the upload's id; a folder with part.1, the data being
// too large to be inlined in xl.meta) on every drive of the set, when the drives are
// on this machine (CARTABLE_CLUSTER_MINIO_DRIVES).
func checkShardsOnEveryDrive(t *testing.T, uploadID string) {
	t.Helper()
	drives := strings.Split(os.Getenv("CARTABLE_CLUSTER_MINIO_DRIVES"), ",")
	if len(drives) < 4 || drives[0] == "" {
		t.Log("CARTABLE_CLUSTER_MINIO_DRIVES is not set: the drives are not checked")
		return
	}
	for _, d := range drives {
		objects := objectsWithParts(t, filepath.Join(d, "cartable"))
		if !slices.ContainsFunc(objects, func(o string) bool { return strings.HasSuffix(o, uploadID) }) {
			t.Errorf("drive %s holds no shard of the upload %s", d, uploadID)
		}
	}
	t.Logf("the upload's object has a shard on each of the %d drives", len(drives))
}

// objectsWithParts lists the objects of a bucket folder on one drive whose data is
// in part files (small objects are inlined in xl.meta).
func objectsWithParts(t *testing.T, bucket string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(bucket, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == "part.1" {
			// <bucket>/<object key>/<data dir>/part.1
			rel, _ := filepath.Rel(bucket, filepath.Dir(filepath.Dir(p)))
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", bucket, err)
	}
	return out
}

// TestClusterLockHoldsOnEveryNode: a WebDAV lock taken through one node refuses the
// API writes that land on the others, and its release frees them all.
func TestClusterLockHoldsOnEveryNode(t *testing.T) {
	base := clusterURL(t)
	lea := signIn(t, base, "eleve.6a.08")
	name := unique("verrou.txt")
	id := lea.uploadWhole(name, []byte("v1"))
	davPath := "/dav/Mes%20documents/" + url.PathEscape(name)
	lk := lea.do("LOCK", davPath, []byte(`<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>Léa</D:owner></D:lockinfo>`),
		map[string]string{"Timeout": "Second-600", "Content-Type": "application/xml"})
	want(t, lk, http.StatusOK, "LOCK")
	token := lk.Header.Get("Lock-Token")
	refusedOn := map[string]bool{}
	for range 3 {
		r := lea.do(http.MethodPut, "/api/v1/items/"+id+"/content", []byte("v2"), map[string]string{"Content-Type": "application/octet-stream"})
		wantProblem(t, r, http.StatusLocked, "locked", "a write over the lock taken on "+lk.node)
		refusedOn[r.node] = true
	}
	t.Logf("locked on %s, writes refused on %v", lk.node, keys(refusedOn))
	if len(refusedOn) < 2 {
		t.Errorf("the writes all landed on %v", keys(refusedOn))
	}
	want(t, lea.do("UNLOCK", davPath, nil, map[string]string{"Lock-Token": token}), http.StatusNoContent, "UNLOCK")
	for range 3 {
		r := lea.do(http.MethodPut, "/api/v1/items/"+id+"/content", []byte("v2"), map[string]string{"Content-Type": "application/octet-stream"})
		if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusCreated {
			t.Fatalf("a write after UNLOCK on %s: %d %s", r.node, r.StatusCode, r.body)
		}
	}
}

// TestClusterQuotaHoldsAcrossNodes: uploads begun on different nodes reserve from the
// same books; the one that would pass the cap is refused, and terminating the others
// gives their reservation back.
func TestClusterQuotaHoldsAcrossNodes(t *testing.T) {
	base := clusterURL(t)
	svc, pupil := signIn(t, base, "service.provisioning"), signIn(t, base, "eleve.6a.09")
	var q struct {
		Spaces []spaceQuota `json:"spaces"`
	}
	pupil.do(http.MethodGet, "/api/v1/quota", nil, nil).json(t, &q)
	i := slices.IndexFunc(q.Spaces, func(s spaceQuota) bool { return s.Kind == "personal" })
	if i < 0 {
		t.Fatalf("no personal space in the pupil's quota")
	}
	limit := q.Spaces[i].Usage.Used + q.Spaces[i].Usage.Reserved + 10*mib
	want(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/quota/users/eleve.6a.09", map[string]any{"limit_bytes": limit}), http.StatusNoContent, "set the cap")

	var paths []string
	nodes := map[string]bool{}
	for range 2 {
		p, r := pupil.create(4*mib, "filename", unique("devoir.bin"))
		if p == "" {
			t.Fatalf("create within the cap: %d %s", r.StatusCode, r.body)
		}
		paths, nodes[r.node] = append(paths, p), true
	}
	_, r := pupil.create(4*mib, "filename", unique("devoir.bin"))
	wantProblem(t, r, http.StatusRequestEntityTooLarge, "quota_exceeded", "the upload past the cap")
	nodes[r.node] = true
	t.Logf("reservations and refusal on %v", keys(nodes))
	if len(nodes) < 2 {
		t.Errorf("every creation landed on %v", keys(nodes))
	}
	for _, p := range paths {
		want(t, pupil.tus(http.MethodDelete, p, nil, nil), http.StatusNoContent, "terminate")
	}
	p, r := pupil.create(8*mib, "filename", unique("devoir.bin"))
	if p == "" {
		t.Fatalf("create after the terminations gave the reservations back: %d %s", r.StatusCode, r.body)
	}
	want(t, pupil.tus(http.MethodDelete, p, nil, nil), http.StatusNoContent, "terminate")
}

// spaceQuota is one space of GET /api/v1/quota.
type spaceQuota struct {
	Kind  string `json:"kind"`
	Usage struct {
		Used     int64 `json:"used_bytes"`
		Reserved int64 `json:"reserved_bytes"`
	} `json:"usage"`
}

// TestClusterPreviewRenderedByWorkers: the API nodes run no jobs here, so the
// thumbnail of a photo uploaded through them is the workers' work; every node serves it.
func TestClusterPreviewRenderedByWorkers(t *testing.T) {
	base := clusterURL(t)
	prof := signIn(t, base, "prof.martin")
	id := prof.uploadWhole(unique("sortie.jpg"), photo(t))
	deadline := time.Now().Add(2 * time.Minute)
	var r answer
	for {
		r = prof.do(http.MethodGet, "/api/v1/items/"+id+"/thumbnails/small", nil, map[string]string{"Accept": "image/webp,image/*"})
		if r.StatusCode == http.StatusOK {
			break
		}
		if r.StatusCode != http.StatusNotFound || !bytes.Contains(r.body, []byte("preview_pending")) || time.Now().After(deadline) {
			t.Fatalf("thumbnail: %d %s", r.StatusCode, r.body)
		}
		time.Sleep(500 * time.Millisecond)
	}
	served := map[string]bool{r.node: true}
	for range 2 {
		r := prof.do(http.MethodGet, "/api/v1/items/"+id+"/thumbnails/small", nil, map[string]string{"Accept": "image/webp,image/*"})
		want(t, r, http.StatusOK, "thumbnail again")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/") || len(r.body) == 0 {
			t.Fatalf("thumbnail on %s: %s, %d bytes", r.node, ct, len(r.body))
		}
		served[r.node] = true
	}
	t.Logf("thumbnail served by %v", keys(served))
}

// photo is a 1200 × 900 JPEG.
func photo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1200, 900))
	for y := range 900 {
		for x := range 1200 {
			img.Set(x, y, color.RGBA{uint8(x / 5), uint8(y / 4), uint8((x + y) / 9), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestClusterAuditRecordsTheClientsAddress: behind the proxy, which the nodes trust
// (CARTABLE_TRUSTED_PROXIES=127.0.0.1), the audit log records the address the proxy
// saw, not one the client wrote in its own X-Forwarded-For; and a node does take the
// address from the X-Forwarded-For of a hop it trusts.
func TestClusterAuditRecordsTheClientsAddress(t *testing.T) {
	base := clusterURL(t)
	prof, svc := signIn(t, base, "prof.martin"), signIn(t, base, "service.provisioning")
	id := prof.uploadWhole(unique("cours.txt"), []byte("Chapitre 1"))
	share := prof.do(http.MethodPost, "/api/v1/items/"+id+"/permissions",
		[]byte(`{"grantee": {"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "role": "viewer"}`),
		map[string]string{"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"})
	want(t, share, http.StatusCreated, "share")
	var log struct {
		Items []struct {
			Action  string `json:"action"`
			Address string `json:"address"`
		} `json:"items"`
	}
	svc.do(http.MethodGet, "/api/v1/admin/audit?item="+id, nil, nil).json(t, &log)
	if len(log.Items) == 0 {
		t.Fatal("the share is not in the audit log")
	}
	for _, e := range log.Items {
		if e.Address != "127.0.0.1" {
			t.Errorf("%s recorded from %q, want 127.0.0.1 (the client's address as the proxy saw it)", e.Action, e.Address)
		}
	}

	// The other half: a node does believe the X-Forwarded-For of a trusted proxy. A
	// request straight to a node, from this machine's address (which the nodes trust
	// as the proxy's), is recorded from the address the header names.
	nodes := strings.Split(os.Getenv("CARTABLE_CLUSTER_API_NODES"), ",")
	if nodes[0] == "" {
		t.Skip("CARTABLE_CLUSTER_API_NODES is not set")
	}
	direct := *prof
	direct.base = "http://" + nodes[0]
	id = direct.uploadWhole(unique("cours.txt"), []byte("Chapitre 2"))
	want(t, direct.do(http.MethodPost, "/api/v1/items/"+id+"/permissions",
		[]byte(`{"grantee": {"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "role": "viewer"}`),
		map[string]string{"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"}), http.StatusCreated, "share on a node")
	svc.do(http.MethodGet, "/api/v1/admin/audit?item="+id, nil, nil).json(t, &log)
	if len(log.Items) == 0 || log.Items[0].Address != "203.0.113.9" {
		t.Errorf("the share sent through a trusted hop was recorded as %+v, want from 203.0.113.9", log.Items)
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
