package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPaths(t *testing.T) {
	p := NewPaths()
	cases := []struct {
		dir, name string
		folder    bool
		want      string
	}{
		{"", "Séquence 1", true, "Séquence 1"},
		{"Séquence 1", "fiche.pdf", false, "Séquence 1/fiche.pdf"},
		{"Séquence 1", "Fiche.pdf", false, "Séquence 1/Fiche (2).pdf"}, // the same file for Windows and macOS
		{"Séquence 1", "fiche.pdf", false, "Séquence 1/fiche (3).pdf"},
		{"", "séquence 1", true, "séquence 1 (2)"},          // a selection from two folders
		{"", "Quoi ? Où : ici*", false, "Quoi _ Où _ ici_"}, // what Windows refuses
		{"", "CON.txt", false, "_CON.txt"},                  // reserved on Windows
		{"", "com1", false, "_com1"},                        // with any case
		{"", "COM10.txt", false, "COM10.txt"},               // not reserved
		{"", "notes.", false, "notes"},                      // Windows drops trailing dots
		{"", "tab\there", false, "tab_here"},                // control characters
		{"", "archive.tar.gz", false, "archive.tar.gz"},
		{"", "archive.tar.gz", false, "archive.tar (2).gz"},
		{"", ".bashrc", false, ".bashrc"},
		{"", ".bashrc", false, ".bashrc (2)"},
		{"", "...", false, "_"},
	}
	for _, c := range cases {
		if got := p.Add(c.dir, c.name, c.folder); got != c.want {
			t.Errorf("Add(%q, %q) = %q, want %q", c.dir, c.name, got, c.want)
		}
	}
}

func TestWorthCompressing(t *testing.T) {
	for mt, want := range map[string]bool{
		"text/plain; charset=utf-8": true, "text/csv": true, "image/svg+xml": true, "application/json": true,
		"application/msword": true, "image/jpeg": false, "video/mp4": false, "application/pdf": false,
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document": false, "application/zip": false,
	} {
		if got := worthCompressing(mt); got != want {
			t.Errorf("worthCompressing(%q) = %v", mt, got)
		}
	}
}

// memoryFile is a file's bytes for the pure logic tests.
func memoryFile(data []byte) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

// TestWriteManyEntries writes more entries than a zip without ZIP64 may hold, with
// an empty folder and UTF-8 names, and reads every name and byte back (and with
// Info-ZIP's unzip when the machine has it).
func TestWriteManyEntries(t *testing.T) {
	const files = 70_000
	when := time.Date(2026, 9, 4, 8, 30, 0, 0, time.UTC)
	entries := []Entry{
		{Path: "Élèves", Folder: true, Modified: when},
		{Path: "Élèves/Vide", Folder: true, Modified: when},
	}
	for i := range files {
		data := []byte(fmt.Sprintf("copie n°%d\n", i))
		entries = append(entries, Entry{Path: fmt.Sprintf("Élèves/rédaction-%05d.txt", i), Size: int64(len(data)),
			Modified: when, MimeType: "text/plain", Open: memoryFile(data)})
	}
	var out bytes.Buffer
	if err := Write(context.Background(), &out, entries); err != nil {
		t.Fatal(err)
	}
	r, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatalf("read the zip back: %v", err)
	}
	if len(r.File) != len(entries) {
		t.Fatalf("%d entries read back, want %d", len(r.File), len(entries))
	}
	if f := r.File[1]; f.Name != "Élèves/Vide/" || !f.Mode().IsDir() || f.Flags&0x800 == 0 {
		t.Errorf("the empty folder reads back as %q (dir %v, flags %#x)", f.Name, f.Mode().IsDir(), f.Flags)
	}
	for i, f := range r.File[2:] {
		want := fmt.Sprintf("copie n°%d\n", i)
		if f.Name != entries[i+2].Path || f.Flags&0x800 == 0 || !f.Modified.Equal(when) {
			t.Fatalf("entry %d: %q, flags %#x, modified %v", i, f.Name, f.Flags, f.Modified)
		}
		if i%7_000 == 0 || i == files-1 {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(got) != want {
				t.Fatalf("entry %d holds %q (%v), want %q", i, got, err, want)
			}
		}
	}
	unzipTest(t, out.Bytes())
}

// unzipTest checks the zip with Info-ZIP's unzip, the tool most schools' Linux
// machines and many scripts use, when this machine has it.
func unzipTest(t *testing.T, data []byte) {
	exe, err := exec.LookPath("unzip")
	if err != nil {
		t.Log("unzip is not installed: checked with archive/zip only")
		return
	}
	file := filepath.Join(t.TempDir(), "out.zip")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "-tq", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No errors detected") {
		t.Errorf("unzip -t: %v\n%s", err, out)
	}
}

// A file that yields fewer bytes than it should (an object store cut short) fails
// the zip rather than passing a truncated file off as whole.
func TestWriteShortFile(t *testing.T) {
	entries := []Entry{{Path: "a.txt", Size: 10, MimeType: "text/plain", Open: memoryFile([]byte("abc"))}}
	if err := Write(context.Background(), io.Discard, entries); err == nil || !strings.Contains(err.Error(), "read 3 bytes") {
		t.Errorf("a short file gave %v", err)
	}
}

// A dropped connection (the context canceled) stops the zip, and the small files
// read ahead with it: no more are opened than the read-ahead holds.
func TestWriteStopsWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var opened atomic.Int32
	open := func(context.Context) (io.ReadCloser, error) {
		opened.Add(1)
		cancel()
		return io.NopCloser(strings.NewReader("x")), nil
	}
	var entries []Entry
	for i := range 100 {
		entries = append(entries, Entry{Path: fmt.Sprint(i), Size: 1, Open: open})
	}
	if err := Write(ctx, io.Discard, entries); !errors.Is(err, context.Canceled) || opened.Load() > aheadFiles+1 {
		t.Errorf("canceled: %v after %d files opened", err, opened.Load())
	}
}

// Small files are read ahead of a slow reader of the zip, never more than
// aheadFiles at once, and go in the zip in their order with their bytes.
func TestWriteReadsAheadBounded(t *testing.T) {
	var opened atomic.Int32
	var entries []Entry
	var want [][]byte
	for i := range 40 {
		data := bytes.Repeat([]byte{byte(i)}, 10<<10)
		want = append(want, data)
		entries = append(entries, Entry{Path: fmt.Sprintf("%02d.bin", i), Size: int64(len(data)), Open: func(ctx context.Context) (io.ReadCloser, error) {
			opened.Add(1)
			return memoryFile(data)(ctx)
		}})
	}
	release := make(chan struct{})
	slow := &gatedWriter{gate: release}
	done := make(chan error, 1)
	go func() { done <- Write(context.Background(), slow, entries) }()
	deadline := time.Now().Add(10 * time.Second)
	for opened.Load() < aheadFiles && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a chance to open more than it may
	if n := opened.Load(); n != aheadFiles {
		t.Errorf("with the zip's reader stalled, %d files were opened; want the read-ahead's %d", n, aheadFiles)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r, err := zip.NewReader(bytes.NewReader(slow.Bytes()), int64(slow.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range r.File {
		rc, _ := f.Open()
		got, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name != entries[i].Path || !bytes.Equal(got, want[i]) {
			t.Fatalf("entry %d is %s with %d bytes, want %s", i, f.Name, len(got), entries[i].Path)
		}
	}
}

// gatedWriter takes its first write, then waits for its gate before the others.
type gatedWriter struct {
	bytes.Buffer
	gate  chan struct{}
	wrote bool
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	if w.wrote {
		<-w.gate
	}
	w.wrote = true
	return w.Buffer.Write(p)
}

// Text worth it is deflated (and reads back whole); a photo is stored as it is.
func TestWriteCompressesWhatGains(t *testing.T) {
	text := bytes.Repeat([]byte("Rédaction : mon héros. "), 2000)
	photo := bytes.Repeat([]byte{0xff, 0xd8, 0x42}, 3000)
	var out bytes.Buffer
	err := Write(context.Background(), &out, []Entry{
		{Path: "consignes.txt", Size: int64(len(text)), MimeType: "text/plain; charset=utf-8", Open: memoryFile(text)},
		{Path: "photo.jpg", Size: int64(len(photo)), MimeType: "image/jpeg", Open: memoryFile(photo)},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		method uint16
		data   []byte
	}{{zip.Deflate, text}, {zip.Store, photo}} {
		f := r.File[i]
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if f.Method != want.method || !bytes.Equal(got, want.data) {
			t.Errorf("%s: method %d, %d bytes back", f.Name, f.Method, len(got))
		}
	}
	if out.Len() > len(text)/4+len(photo)+1024 {
		t.Errorf("the zip is %d bytes: the text was not compressed", out.Len())
	}
}
