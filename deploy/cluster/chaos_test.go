package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The fault tests (make chaos): each breaks a part of the running cluster as a
// crash or an operator would, checks what clients see meanwhile, puts the part
// back (deploy/cluster/cluster.sh up starts what is not running) and checks that
// nothing was lost and nothing stayed stuck. They are destructive, so they run
// only with CARTABLE_CHAOS=1, one after the other, the failover last: it leaves
// the cluster with its standby promoted, and `make chaos` purges it afterwards.

// chaosCluster is the cluster's API proxy, or the test is skipped.
func chaosCluster(t *testing.T) string {
	t.Helper()
	base := clusterURL(t)
	if os.Getenv("CARTABLE_CHAOS") != "1" {
		t.Skip("CARTABLE_CHAOS=1 is not set: the fault tests break the cluster (make chaos)")
	}
	return base
}

// clusterScript runs deploy/cluster/cluster.sh with args.
func clusterScript(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("./cluster.sh", args...)
	cmd.Env = append(os.Environ(), "CLUSTER_DIR="+os.Getenv("CARTABLE_CLUSTER_DIR"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cluster.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("cluster.sh %s: %s", strings.Join(args, " "), bytes.TrimSpace(out))
}

// apiNode is the address of the i-th API node (1-based), behind the proxy.
func apiNode(t *testing.T, i int) string {
	t.Helper()
	nodes := strings.Split(os.Getenv("CARTABLE_CLUSTER_API_NODES"), ",")
	if i > len(nodes) || nodes[i-1] == "" {
		t.Fatalf("no API node %d in CARTABLE_CLUSTER_API_NODES=%q", i, os.Getenv("CARTABLE_CLUSTER_API_NODES"))
	}
	return "http://" + nodes[i-1]
}

// try sends one request and returns its answer or the transport's error, without
// failing: a fault test expects some of them to fail.
func (u *user) try(base, method, path string, body io.Reader, header map[string]string) (answer, error) {
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := u.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{Response: res, body: b, node: res.Header.Get("Cartable-Backend")}, err
}

// eventually retries fn every half second until it returns nil, for at most
// limit; the test fails with fn's last error after that.
func eventually(t *testing.T, limit time.Duration, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %s: %v", what, limit, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestChaosAPINodeKilledDuringTransfers: a pupil's resumable upload and a
// download are each cut by their API node being SIGKILLed in the middle of a
// request (sent straight to that node, so the test knows which one serves it).
// Each client resumes through the proxy, which no longer sends anything to the
// dead node: the upload from the offset the cluster says it has, the download
// with a Range from the bytes it got. Both files come out whole.
func TestChaosAPINodeKilledDuringTransfers(t *testing.T) {
	base := chaosCluster(t)
	lea := signIn(t, base, "eleve.6a.07")
	data := make([]byte, 40*mib)
	rand.Read(data)
	path, r := lea.create(len(data), "filename", unique("exposé-vidéo.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}

	// The upload: 8 MiB sent whole, then a PATCH to node 2 whose body stalls
	// after 12 MiB more, until node 2 is killed.
	want(t, lea.tus(http.MethodPatch, path, data[:8*mib], map[string]string{"Upload-Offset": "0"}), http.StatusNoContent, "first PATCH")
	stalled := &stallingReader{data: data[8*mib:], stallAt: 12 * mib, reached: make(chan struct{})}
	patchDone := make(chan error, 1)
	go func() {
		_, err := lea.try(apiNode(t, 2), http.MethodPatch, path, stalled, map[string]string{
			"Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream", "Upload-Offset": strconv.Itoa(8 * mib)})
		patchDone <- err
	}()
	<-stalled.reached
	clusterScript(t, "kill", "api2")
	stalled.release()
	<-patchDone // an error or a cut answer: node 2 is gone
	defer func() {
		clusterScript(t, "up")
		recovered(t, lea, base)
	}()

	var offset int
	eventually(t, time.Minute, "HEAD after the kill", func() error {
		head, err := lea.try(base, http.MethodHead, path, nil, map[string]string{"Tus-Resumable": "1.0.0"})
		if err != nil || head.StatusCode != http.StatusOK {
			return fmt.Errorf("%v %v", err, head.Response)
		}
		offset, err = strconv.Atoi(head.Header.Get("Upload-Offset"))
		return err
	})
	t.Logf("after node 2 died, the upload resumes at %d MiB of %d", offset/mib, len(data)/mib)
	if offset < 8*mib || offset > 20*mib {
		t.Fatalf("offset %d after the kill: want between the first PATCH's 8 MiB and what was sent", offset)
	}
	var last answer
	for offset < len(data) {
		end := min(offset+8*mib, len(data))
		last = lea.tus(http.MethodPatch, path, data[offset:end], map[string]string{"Upload-Offset": strconv.Itoa(offset)})
		want(t, last, http.StatusNoContent, fmt.Sprintf("PATCH at %d after the kill", offset))
		if last.node == strings.TrimPrefix(apiNode(t, 2), "http://") {
			t.Errorf("the proxy sent a PATCH to the dead node %s", last.node)
		}
		offset = end
	}
	id := last.Header.Get("Cartable-Item-Id")
	got := lea.do(http.MethodGet, "/api/v1/items/"+id+"/content", nil, nil)
	want(t, got, http.StatusOK, "download of the resumed upload")
	if sha256.Sum256(got.body) != sha256.Sum256(data) {
		t.Fatalf("the resumed upload reads back as %d other bytes", len(got.body))
	}

	// The download: read from node 3 slowly, node 3 killed half-way, the rest
	// with a Range through the proxy.
	res := lea.open(t, apiNode(t, 3)+"/api/v1/items/"+id+"/content")
	first := make([]byte, 16*mib)
	if _, err := io.ReadFull(res.Body, first); err != nil {
		t.Fatalf("the first half from node 3: %v", err)
	}
	clusterScript(t, "kill", "api3")
	rest, _ := io.ReadAll(res.Body) // whatever was in flight, then the cut
	res.Body.Close()
	received := append(first, rest...)
	if len(received) >= len(data) {
		t.Logf("node 3 had sent everything before it died (%d bytes): the Range below is the resume all the same", len(received))
		received = received[:16*mib]
	}
	var tail answer
	eventually(t, time.Minute, "the download's resume", func() error {
		var err error
		tail, err = lea.try(base, http.MethodGet, "/api/v1/items/"+id+"/content", nil, map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(received))})
		if err == nil && tail.StatusCode != http.StatusPartialContent {
			err = fmt.Errorf("status %d %s", tail.StatusCode, tail.body)
		}
		return err
	})
	if whole := append(received, tail.body...); sha256.Sum256(whole) != sha256.Sum256(data) {
		t.Fatalf("the download resumed at %d reads as %d other bytes", len(received), len(whole))
	}
}

// recovered waits until the service takes uploads again, five in a row through
// the proxy, after a part was put back; it returns how long that took. The
// stores answer their health checks before they answer every request: MinIO's
// nodes, restarted together, failed some writes for some seconds more (503
// unavailable to clients meanwhile).
func recovered(t *testing.T, u *user, base string) time.Duration {
	t.Helper()
	start, inARow := time.Now(), 0
	eventually(t, 3*time.Minute, "the service taking uploads again", func() error {
		a, err := u.try(base, http.MethodPost, "/api/v1/uploads", bytes.NewReader([]byte("sonde")), map[string]string{
			"Tus-Resumable": "1.0.0", "Upload-Length": "5", "Content-Type": "application/offset+octet-stream",
			"Upload-Metadata": metadata("filename", unique("sonde.txt"))})
		if err == nil && a.StatusCode != http.StatusCreated {
			err = fmt.Errorf("%d %s", a.StatusCode, a.body)
		}
		if err != nil {
			inARow = 0
			return err
		}
		if inARow++; inARow < 5 {
			return fmt.Errorf("%d uploads in a row so far", inARow)
		}
		return nil
	})
	return time.Since(start)
}

// open starts a GET and returns the response with its body unread.
func (u *user) open(t *testing.T, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	res, err := u.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return res
}

// stallingReader gives its data until stallAt bytes, then blocks until released
// (and then fails, as a client whose connection died would).
type stallingReader struct {
	data     []byte
	stallAt  int
	read     int
	reached  chan struct{}
	released chan struct{}
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.read >= s.stallAt {
		if s.released == nil {
			s.released = make(chan struct{})
			close(s.reached)
		}
		<-s.released
		return 0, errors.New("the client gave up")
	}
	n := copy(p, s.data[s.read:s.stallAt])
	s.read += n
	return n, nil
}

func (s *stallingReader) release() { close(s.released) }

// TestChaosMinIODriveWiped: one MinIO drive loses everything on it (its folder
// emptied, format included) while the cluster runs. Every file stays readable
// through the API (EC:2 reads with two drives missing), new uploads go on, and
// MinIO heals the drive by itself: the admin API reports it online again and the
// files' shards come back on it.
func TestChaosMinIODriveWiped(t *testing.T) {
	base := chaosCluster(t)
	drives := strings.Split(os.Getenv("CARTABLE_CLUSTER_MINIO_DRIVES"), ",")
	if len(drives) < 4 {
		t.Fatalf("CARTABLE_CLUSTER_MINIO_DRIVES=%q", os.Getenv("CARTABLE_CLUSTER_MINIO_DRIVES"))
	}
	prof := signIn(t, base, "prof.martin")
	files := map[string][]byte{}
	for i, size := range []int{3 << 10, 900 << 10, 5 * mib, 21 * mib} {
		data := make([]byte, size)
		rand.Read(data)
		files[prof.uploadWhole(unique(fmt.Sprintf("cours-%d.bin", i)), data)] = data
	}
	wiped := drives[2]
	wipe(t, wiped)
	t.Logf("wiped %s", wiped)

	for id, data := range files {
		got := prof.do(http.MethodGet, "/api/v1/items/"+id+"/content", nil, nil)
		want(t, got, http.StatusOK, "a file read with its drive wiped")
		if !bytes.Equal(got.body, data) {
			t.Fatalf("file %s reads as %d other bytes with a drive wiped", id, len(got.body))
		}
	}
	after := make([]byte, 2*mib)
	rand.Read(after)
	newID := prof.uploadWhole(unique("après.bin"), after)

	// MinIO notices the unformatted drive, formats it and heals it: every object
	// gets its shard back.
	seen := map[string]bool{}
	eventually(t, 5*time.Minute, "the wiped drive healed", func() error {
		state, err := driveState(wiped)
		if err != nil {
			return err
		}
		seen[fmt.Sprintf("%s, healing %t", state.State, state.Healing)] = true
		if state.State != "ok" || state.Healing {
			return fmt.Errorf("drive %s: %+v", wiped, state)
		}
		if n := countShards(wiped); n < len(files)+1 {
			return fmt.Errorf("%d object shards on the wiped drive, want at least %d", n, len(files)+1)
		}
		return nil
	})
	t.Logf("the drive is healed: %d object shards on it again; the admin API reported it as %v meanwhile", countShards(wiped), keys(seen))
	got := prof.do(http.MethodGet, "/api/v1/items/"+newID+"/content", nil, nil)
	want(t, got, http.StatusOK, "the file uploaded while the drive was being healed")
}

// driveInfo is what MinIO's admin API says of one drive.
type driveInfo struct {
	Path    string `json:"path"`
	State   string `json:"state"`
	Healing bool   `json:"healing"`
}

// driveState asks MinIO's admin API (GET /minio/admin/v3/info, what `mc admin
// info` shows) for the state of the drive at path.
func driveState(path string) (driveInfo, error) {
	body, err := minioAdmin(http.MethodGet, "/minio/admin/v3/info")
	if err != nil {
		return driveInfo{}, err
	}
	var info struct {
		Servers []struct {
			Drives []driveInfo `json:"drives"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return driveInfo{}, fmt.Errorf("admin info: %v", err)
	}
	for _, s := range info.Servers {
		for _, d := range s.Drives {
			if strings.TrimSuffix(d.Path, "/") == strings.TrimSuffix(path, "/") {
				return d, nil
			}
		}
	}
	return driveInfo{}, fmt.Errorf("the admin API names no drive %s", path)
}

// countShards counts the objects of the bucket with a shard on a drive: MinIO
// keeps each object as a folder holding xl.meta.
func countShards(drive string) int {
	n := 0
	filepath.WalkDir(filepath.Join(drive, "cartable"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "xl.meta" {
			n++
		}
		return nil
	})
	return n
}

// TestChaosStoresDownFor30Seconds: MinIO (all its nodes), then PostgreSQL's
// primary, stop for 30 s. Meanwhile clients get 503 with Retry-After and the
// problem+json code "unavailable", from the API or from the proxy once every
// node says it is not ready; a resumable upload begun before waits. Once the
// store is back the service recovers by itself: the upload resumes and ends,
// a new file goes in, and no quota reservation nor upload stays behind.
func TestChaosStoresDownFor30Seconds(t *testing.T) {
	base := chaosCluster(t)
	for _, store := range []struct {
		name string
		stop []string
	}{
		{"MinIO", []string{"kill", "minio1", "minio2", "minio3", "minio4"}},
		{"PostgreSQL", []string{"pg-stop"}},
	} {
		t.Run(store.name, func(t *testing.T) {
			hugo := signIn(t, base, "eleve.6a.08")
			recovered(t, hugo, base) // from whatever broke before
			reservations, err := count(os.Getenv("CARTABLE_DATABASE_URL"), `SELECT count(*) FROM quota_reservations`)
			if err != nil {
				t.Fatal(err)
			}
			data := make([]byte, 12*mib)
			rand.Read(data)
			path, r := hugo.create(len(data), "filename", unique("devoir.bin"))
			if path == "" {
				t.Fatalf("create: %d %s", r.StatusCode, r.body)
			}
			want(t, hugo.tus(http.MethodPatch, path, data[:4*mib], map[string]string{"Upload-Offset": "0"}), http.StatusNoContent, "PATCH before the outage")

			clusterScript(t, store.stop...)
			down := time.Now()
			refused := 0
			for time.Since(down) < 30*time.Second {
				a, err := hugo.try(base, http.MethodPost, "/api/v1/uploads", bytes.NewReader([]byte("pendant la panne")), map[string]string{
					"Tus-Resumable": "1.0.0", "Upload-Length": "16", "Upload-Metadata": metadata("filename", unique("panne.txt")),
					"Content-Type": "application/offset+octet-stream"})
				if err != nil {
					t.Fatalf("during the outage, a transport error instead of an answer: %v", err)
				}
				if a.StatusCode != http.StatusServiceUnavailable || a.Header.Get("Retry-After") == "" || !bytes.Contains(a.body, []byte(`"code":"unavailable"`)) {
					t.Fatalf("during the outage: %d Retry-After %q %s; want 503 unavailable with Retry-After", a.StatusCode, a.Header.Get("Retry-After"), a.body)
				}
				refused++
				time.Sleep(2 * time.Second)
			}
			t.Logf("%s down for 30 s: %d uploads refused with 503 unavailable and Retry-After", store.name, refused)
			clusterScript(t, "up")
			t.Logf("%s back: the service took uploads again %s after the script said the cluster was up", store.name, recovered(t, hugo, base).Round(time.Second))

			id := hugo.resume(t, base, path, data)
			// A client retries a 503 after its Retry-After (MinIO's nodes, restarted
			// together, answered some reads of new objects "not found" for a while).
			eventually(t, 2*time.Minute, "the download after the outage", func() error {
				got, err := hugo.try(base, http.MethodGet, "/api/v1/items/"+id+"/content", nil, nil)
				switch {
				case err != nil:
					return err
				case got.StatusCode == http.StatusServiceUnavailable:
					t.Logf("download after the outage: 503 %s (a client retries)", got.body)
					return fmt.Errorf("503")
				case got.StatusCode != http.StatusOK:
					t.Fatalf("download after the outage: %d %s", got.StatusCode, got.body)
				case !bytes.Equal(got.body, data):
					t.Fatal("the upload resumed after the outage reads back as other bytes")
				}
				return nil
			})
			hugo.uploadWhole(unique("après-la-panne.txt"), []byte("tout refonctionne"))
			eventually(t, time.Minute, "no reservation left behind", func() error {
				n, err := count(os.Getenv("CARTABLE_DATABASE_URL"), `SELECT count(*) FROM quota_reservations`)
				if err == nil && n > reservations {
					err = fmt.Errorf("%d quota reservations, %d before the outage", n, reservations)
				}
				return err
			})
		})
	}
}

// resume finishes a tus upload as a tus client does after a failure: it asks
// the offset (HEAD), sends the rest, and starts again from HEAD when a request
// fails or is answered 5xx, for at most two minutes. It returns the item made.
func (u *user) resume(t *testing.T, base, path string, data []byte) string {
	t.Helper()
	var id string
	eventually(t, 2*time.Minute, "the upload resumed", func() error {
		head, err := u.try(base, http.MethodHead, path, nil, map[string]string{"Tus-Resumable": "1.0.0"})
		if err != nil || head.StatusCode != http.StatusOK {
			return fmt.Errorf("HEAD: %v %v", err, head.Response)
		}
		offset, err := strconv.Atoi(head.Header.Get("Upload-Offset"))
		if err != nil {
			return err
		}
		if offset == len(data) {
			if id = head.Header.Get("Cartable-Item-Id"); id == "" {
				return fmt.Errorf("the finished upload names no item")
			}
			return nil
		}
		a, err := u.try(base, http.MethodPatch, path, bytes.NewReader(data[offset:]), map[string]string{
			"Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream", "Upload-Offset": strconv.Itoa(offset)})
		switch {
		case err != nil:
			return fmt.Errorf("PATCH at %d: %v", offset, err)
		case a.StatusCode >= 500 || a.StatusCode == http.StatusConflict:
			// tus-js-client asks the offset again after a 409, and waits after a 5xx.
			t.Logf("PATCH at %d: %d %s (a tus client asks the offset again)", offset, a.StatusCode, a.body)
			return fmt.Errorf("PATCH at %d: %d", offset, a.StatusCode)
		case a.StatusCode != http.StatusNoContent:
			t.Fatalf("PATCH at %d: %d %s", offset, a.StatusCode, a.body)
		}
		id = a.Header.Get("Cartable-Item-Id")
		return nil
	})
	return id
}

func count(dbURL, query string) (int, error) { return scalar[int](dbURL, query) }

// scalar runs a query of one value on a connection of its own.
func scalar[T any](dbURL, query string) (T, error) {
	var v T
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return v, err
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, query).Scan(&v)
	return v, err
}

// TestChaosPostgreSQLFailover: the primary dies and the standby is promoted.
// The nodes' database URL names both servers with
// target_session_attrs=read-write, so their new connections find the new
// primary without a restart. What the standby had replayed before the crash is
// all there; writes acknowledged in the last instant may be lost with
// asynchronous replication, and the test says how many were. Uploads work again.
func TestChaosPostgreSQLFailover(t *testing.T) {
	base := chaosCluster(t)
	if os.Getenv("CARTABLE_CHAOS_FAILOVER") != "1" {
		t.Skip("CARTABLE_CHAOS_FAILOVER=1 is not set: the failover leaves the cluster on its standby (make chaos sets it, then purges the cluster)")
	}
	prof := signIn(t, base, "prof.martin")
	folder := prof.sendJSON(http.MethodPost, "/api/v1/items/"+homeOf(t, prof)+"/children", map[string]any{"name": unique("Avant la bascule"), "folder": map[string]any{}})
	want(t, folder, http.StatusCreated, "a folder")
	var f struct {
		ID string `json:"id"`
	}
	folder.json(t, &f)
	// 20 files the standby has replayed for sure, then 20 more written while the
	// primary dies.
	var replayed, racing []string
	for i := range 20 {
		replayed = append(replayed, prof.uploadWhole(fmt.Sprintf("sur-%02d.txt", i), []byte("répliqué"), "parent", f.ID))
	}
	// The standby has replayed the WAL up to now. One that is not connected (it
	// asks again every 5 s after its primary was stopped) has no row at all.
	written, err := scalar[string](os.Getenv("CARTABLE_DATABASE_URL"), `SELECT pg_current_wal_lsn()::text`)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the standby caught up", func() error {
		n, err := count(os.Getenv("CARTABLE_DATABASE_URL"), `SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND replay_lsn >= '`+written+`'::pg_lsn`)
		if err == nil && n == 0 {
			err = fmt.Errorf("no standby streaming from the primary has replayed its WAL up to %s", written)
		}
		return err
	})
	// Uploads one after the other; after the fifth, the primary dies and the
	// standby is promoted; they go on for two seconds after that.
	var failedOver time.Time
	for i := 0; failedOver.IsZero() || time.Since(failedOver) < 2*time.Second; i++ {
		a, err := prof.try(base, http.MethodPost, "/api/v1/uploads", bytes.NewReader([]byte("en vol")), map[string]string{
			"Tus-Resumable": "1.0.0", "Upload-Length": "6", "Content-Type": "application/offset+octet-stream",
			"Upload-Metadata": metadata("filename", fmt.Sprintf("en-vol-%03d.txt", i), "parent", f.ID)})
		if err == nil && a.StatusCode == http.StatusCreated {
			racing = append(racing, a.Header.Get("Cartable-Item-Id"))
		}
		if len(racing) == 5 && failedOver.IsZero() {
			clusterScript(t, "failover")
			failedOver = time.Now()
		}
	}
	var listed map[string]bool
	eventually(t, 2*time.Minute, "the folder listed on the new primary", func() error {
		a, err := prof.try(base, http.MethodGet, "/api/v1/items/"+f.ID+"/children?limit=200", nil, nil)
		if err != nil || a.StatusCode != http.StatusOK {
			return fmt.Errorf("%v %v", err, a.Response)
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(a.body, &page); err != nil {
			return err
		}
		listed = map[string]bool{}
		for _, it := range page.Items {
			listed[it.ID] = true
		}
		return nil
	})
	for _, id := range replayed {
		if !listed[id] {
			t.Errorf("file %s, replayed by the standby before the crash, is missing after the failover", id)
		}
	}
	lost := 0
	for _, id := range racing {
		if !listed[id] {
			lost++
		}
	}
	t.Logf("failover: %d of the %d uploads acknowledged around the primary's death are missing on the new primary (asynchronous replication)", lost, len(racing))
	eventually(t, time.Minute, "an upload on the new primary", func() error {
		a, err := prof.try(base, http.MethodPost, "/api/v1/uploads", bytes.NewReader([]byte("après")), map[string]string{
			"Tus-Resumable": "1.0.0", "Upload-Length": "6", "Content-Type": "application/offset+octet-stream",
			"Upload-Metadata": metadata("filename", unique("après-bascule.txt"), "parent", f.ID)})
		if err == nil && a.StatusCode != http.StatusCreated {
			err = fmt.Errorf("%d %s", a.StatusCode, a.body)
		}
		return err
	})
}

// homeOf is the root folder of the user's personal space.
func homeOf(t *testing.T, u *user) string {
	t.Helper()
	var spaces struct {
		Spaces []struct {
			Kind   string `json:"kind"`
			RootID string `json:"root_id"`
		} `json:"spaces"`
	}
	u.do(http.MethodGet, "/api/v1/spaces", nil, nil).json(t, &spaces)
	for _, s := range spaces.Spaces {
		if s.Kind == "personal" {
			return s.RootID
		}
	}
	t.Fatalf("%s has no personal space", u.id)
	return ""
}
