// Package clamdtest starts a private clamd for tests, with a signature database the
// test makes: the EICAR test file's, and one of a marker the tests hide in files of
// any size. No test depends on ClamAV's own signatures, which no machine here can
// download.
package clamdtest

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// EICAR is the 68-byte EICAR test file, which every antivirus reports.
var EICAR = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)

// Marker is a byte string the test database's body signature matches wherever it
// lies in a file: hidden at the end of a large file, it proves the whole file was
// streamed to clamd.
var Marker = []byte("CARTABLE-TEST-VIRUS-MARKER-6f1d2c")

// Signature names, as clamd reports those of a database it did not sign.
const (
	EICARSignature  = "Eicar-Test-Signature.UNOFFICIAL"
	MarkerSignature = "Cartable.Test.Marker.UNOFFICIAL"
)

// eicarMD5 is the MD5 of EICAR (a hash signature: md5:size:name).
const eicarMD5 = "44d88612fea8a8f36de82e1278abb02f"

// Daemon is a running clamd.
type Daemon struct {
	// Address is its socket, as CARTABLE_CLAMD names it.
	Address string
	t       *testing.T
	dir     string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// Start starts a clamd with the test database, stopped when the test ends. Without
// clamd installed the test is skipped, but in CI (CI set), where it must be.
func Start(t *testing.T) *Daemon { return StartWith(t, "200M") }

// StartWith starts one that refuses streams longer than streamMax ("10M"), as a
// clamd configured as shipped does past 100M.
func StartWith(t *testing.T, streamMax string) *Daemon {
	t.Helper()
	if _, err := exec.LookPath("clamd"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("clamd is not installed: deploy/dev/stack.sh up installs clamav-daemon")
		}
		t.Skip("clamd is not installed (deploy/dev/stack.sh up installs it)")
	}
	// A short path: a Unix socket's path is at most 107 bytes.
	dir, err := os.MkdirTemp("", "clamd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &Daemon{Address: "unix:" + filepath.Join(dir, "clamd.sock"), t: t, dir: dir}
	d.writeConfig(streamMax)
	d.Restart()
	t.Cleanup(d.Stop)
	return d
}

func (d *Daemon) writeConfig(streamMax string) {
	db := filepath.Join(d.dir, "db")
	files := map[string]string{
		filepath.Join(db, "test.hdb"): fmt.Sprintf("%s:%d:Eicar-Test-Signature\n", eicarMD5, len(EICAR)),
		filepath.Join(db, "test.ndb"): "Cartable.Test.Marker:0:*:" + hex.EncodeToString(Marker) + "\n",
		filepath.Join(d.dir, "clamd.conf"): fmt.Sprintf(`LocalSocket %[1]s/clamd.sock
DatabaseDirectory %[1]s/db
TemporaryDirectory %[1]s
Foreground yes
StreamMaxLength %[2]s
MaxScanSize 200M
MaxFileSize 200M
MaxThreads 4
`, d.dir, streamMax),
	}
	if err := os.MkdirAll(db, 0o755); err != nil {
		d.t.Fatal(err)
	}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			d.t.Fatal(err)
		}
	}
}

// Restart starts the daemon again after Stop (or the first time), and waits until
// it accepts connections (its socket's file comes first, at bind: a connection
// before its listen is refused, as a loaded machine once showed).
func (d *Daemon) Restart() {
	d.t.Helper()
	if d.cmd != nil {
		return
	}
	sock := filepath.Join(d.dir, "clamd.sock")
	os.Remove(sock)
	var out bytes.Buffer
	cmd := exec.Command("clamd", "--config-file="+filepath.Join(d.dir, "clamd.conf"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.cmd = cmd
	exited := make(chan struct{})
	d.exited = exited
	go func() { cmd.Wait(); close(exited) }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		if conn, err := net.Dial("unix", sock); err == nil {
			conn.Close()
			return
		}
		select {
		case <-exited:
			d.cmd = nil
			d.t.Fatalf("clamd exited: %s", out.String())
		case <-ctx.Done():
			d.t.Fatalf("clamd did not open its socket within 2 minutes: %s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop kills the daemon, as a crash would; its socket stays behind, refusing
// connections.
func (d *Daemon) Stop() {
	if d.cmd == nil {
		return
	}
	d.cmd.Process.Kill()
	<-d.exited
	d.cmd = nil
}
