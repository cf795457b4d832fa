package antivirus_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"

	"cartable/antivirus"
	"cartable/antivirus/clamdtest"
)

// TestClamdVerdicts streams files to a real clamd with the test database: the
// EICAR file, a clean file, the marker across a chunk boundary deep in a large
// file, and a file whose marker lies past the scan's limit.
func TestClamdVerdicts(t *testing.T) {
	d := clamdtest.Start(t)
	c, err := antivirus.NewClamd(d.Address)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Version(ctx); err != nil || !strings.HasPrefix(v, "ClamAV ") {
		t.Fatalf("version %q, %v", v, err)
	}
	large := randomBytes(t, 20<<20)
	// Straddling the boundary of the 256 KiB chunks, 17 MiB in.
	withMarker := append(append(append([]byte{}, large[:17<<20-10]...), clamdtest.Marker...), large[17<<20:]...)
	tests := []struct {
		name      string
		data      []byte
		limit     int64
		signature string
		scanned   int64
	}{
		{"eicar", clamdtest.EICAR, 0, clamdtest.EICARSignature, 68},
		{"clean", large[:1<<20], 0, "", 1 << 20},
		{"empty", nil, 0, "", 0},
		{"marker deep in a large file", withMarker, 0, clamdtest.MarkerSignature, int64(len(withMarker))},
		{"marker past the limit", withMarker, 16 << 20, "", 16 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := c.Scan(ctx, bytes.NewReader(tt.data), tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if v.Signature != tt.signature || v.Scanned != tt.scanned {
				t.Errorf("verdict %+v, want signature %q after %d bytes", v, tt.signature, tt.scanned)
			}
		})
	}
}

// TestClamdDown: a stopped clamd is Unavailable, for Ping and for Scan; a file that
// cannot be read is the file's error, not clamd's.
func TestClamdDown(t *testing.T) {
	d := clamdtest.Start(t)
	c, _ := antivirus.NewClamd(d.Address)
	ctx := t.Context()
	broken := io.MultiReader(bytes.NewReader(make([]byte, 1000)), errReader{})
	if _, err := c.Scan(ctx, broken, 0); err == nil || antivirus.IsUnavailable(err) {
		t.Errorf("a file that cannot be read: %v, want its own error", err)
	}
	d.Stop()
	if err := c.Ping(ctx); !antivirus.IsUnavailable(err) {
		t.Errorf("ping of a stopped clamd: %v", err)
	}
	if _, err := c.Scan(ctx, bytes.NewReader(clamdtest.EICAR), 0); !antivirus.IsUnavailable(err) {
		t.Errorf("scan with a stopped clamd: %v", err)
	}
	d.Restart()
	if v, err := c.Scan(ctx, bytes.NewReader(clamdtest.EICAR), 0); err != nil || !v.Infected() {
		t.Errorf("after a restart: %+v, %v", v, err)
	}
}

// TestClamdSizeLimit: a clamd that takes shorter streams than sent refuses with
// an answer of its own, not taken for an outage.
func TestClamdSizeLimit(t *testing.T) {
	d := clamdtest.StartWith(t, "2M")
	c, _ := antivirus.NewClamd(d.Address)
	_, err := c.Scan(t.Context(), bytes.NewReader(randomBytes(t, 4<<20)), 0)
	if !antivirus.IsSizeLimit(err) || antivirus.IsUnavailable(err) {
		t.Fatalf("a 4 MiB stream to a 2 MiB clamd: %v", err)
	}
	if v, err := c.Scan(t.Context(), bytes.NewReader(randomBytes(t, 4<<20)), 1<<20); err != nil || v.Infected() || v.Scanned != 1<<20 {
		t.Fatalf("its first MiB: %+v, %v", v, err)
	}
}

func TestClamdAddresses(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"unix:/run/clamav/clamd.ctl", "unix:/run/clamav/clamd.ctl", true},
		{"unix:///run/clamav/clamd.ctl", "unix:/run/clamav/clamd.ctl", true},
		{"/run/clamav/clamd.ctl", "unix:/run/clamav/clamd.ctl", true},
		{"tcp://clamav:3310", "tcp:clamav:3310", true},
		{"clamav:3310", "tcp:clamav:3310", true},
		{"clamav", "", false},
	} {
		c, err := antivirus.NewClamd(tt.in)
		if (err == nil) != tt.ok || (err == nil && c.String() != tt.want) {
			t.Errorf("NewClamd(%q) = %v, %v; want %q", tt.in, c, err, tt.want)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("the disk is on fire") }

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
