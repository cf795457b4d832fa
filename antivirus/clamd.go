// Package antivirus owns the scanning of what users upload: a client of clamd (the
// ClamAV daemon), the job that scans each new blob before anyone else may read it,
// the quarantine of what it finds, and the catch-up scan of what was let through
// while clamd was down.
//
// A blob's verdict lives on the blob (blobs.scan, migration 00032): copies and
// restored versions share it. The workspace serves a blob by its verdict: pending
// to its uploader only, infected to nobody.
package antivirus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Clamd talks to a clamd daemon over its socket protocol (clamd(8)): PING,
// VERSION, and INSTREAM, which scans a stream sent in chunks, so that a file is
// never whole in memory, nor on this node's disk.
type Clamd struct {
	network, address string
	// Timeout bounds a whole exchange without progress: connecting, each chunk
	// written, and the verdict, which clamd gives once it has scanned everything.
	Timeout time.Duration
}

// chunkSize is the size of the INSTREAM chunks sent: large enough that the 4-byte
// headers cost nothing, small enough to keep a scan's memory flat.
const chunkSize = 256 << 10

// NewClamd returns a client of the clamd at address: "unix:/path/clamd.ctl" or a
// path starting with "/" for a local socket, "tcp://host:3310" or "host:3310" for TCP.
func NewClamd(address string) (*Clamd, error) {
	c := &Clamd{Timeout: 2 * time.Minute}
	switch {
	case strings.HasPrefix(address, "unix:"):
		c.network, c.address = "unix", strings.TrimPrefix(strings.TrimPrefix(address, "unix:"), "//")
	case strings.HasPrefix(address, "/"):
		c.network, c.address = "unix", address
	case strings.HasPrefix(address, "tcp://"):
		c.network, c.address = "tcp", strings.TrimPrefix(address, "tcp://")
	default:
		c.network, c.address = "tcp", address
	}
	if c.network == "tcp" {
		if _, _, err := net.SplitHostPort(c.address); err != nil {
			return nil, fmt.Errorf("clamd address %q: want unix:/path or host:port: %w", address, err)
		}
	}
	return c, nil
}

// String names the daemon, for logs.
func (c *Clamd) String() string { return c.network + ":" + c.address }

// Verdict is what a scan found.
type Verdict struct {
	// Signature names what was found ("Eicar-Test-Signature"); empty when clean.
	Signature string
	// Scanned is how many bytes clamd read: all of them, unless the file is larger
	// than the limit the scan was given.
	Scanned int64
}

// Infected reports whether the scan found something.
func (v Verdict) Infected() bool { return v.Signature != "" }

// Unavailable is the error of a scan that could not be made: clamd does not
// answer, or answered with an error of its own. The file's verdict is unknown.
type Unavailable struct{ Err error }

func (e *Unavailable) Error() string { return "clamd unavailable: " + e.Err.Error() }
func (e *Unavailable) Unwrap() error { return e.Err }

// Refused is clamd's own error answer to a scan ("... ERROR"): it answers, but
// gave no verdict on this file.
type Refused struct{ Reply string }

func (e *Refused) Error() string { return "clamd refused the scan: " + e.Reply }

// IsSizeLimit reports whether clamd refused a stream longer than its
// StreamMaxLength.
func IsSizeLimit(err error) bool {
	var r *Refused
	return errors.As(err, &r) && strings.Contains(r.Reply, "size limit exceeded")
}

// IsUnavailable reports whether err means clamd could not give a verdict.
func IsUnavailable(err error) bool {
	var u *Unavailable
	return errors.As(err, &u)
}

// Ping checks that clamd answers.
func (c *Clamd) Ping(ctx context.Context) error {
	reply, err := c.command(ctx, "PING")
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return &Unavailable{fmt.Errorf("PING answered %q", reply)}
	}
	return nil
}

// Version returns clamd's version and its signatures' ("ClamAV 1.4.6/27480/…").
func (c *Clamd) Version(ctx context.Context) (string, error) {
	return c.command(ctx, "VERSION")
}

func (c *Clamd) command(ctx context.Context, cmd string) (string, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if _, err := conn.Write([]byte("z" + cmd + "\x00")); err != nil {
		return "", &Unavailable{fmt.Errorf("send %s: %w", cmd, err)}
	}
	return c.reply(conn)
}

// Scan streams r to clamd, at most limit bytes of it (limit <= 0: all), and returns
// its verdict. Bytes past the limit are not read: clamd itself refuses streams
// longer than its StreamMaxLength, so the limit must not exceed it.
func (c *Clamd) Scan(ctx context.Context, r io.Reader, limit int64) (Verdict, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return Verdict{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if limit > 0 {
		r = io.LimitReader(r, limit)
	}
	scanned, sendErr := c.send(conn, r)
	if ctx.Err() != nil {
		return Verdict{}, ctx.Err() // the job's own end, not clamd's
	}
	if sendErr != nil && !IsUnavailable(sendErr) {
		return Verdict{}, sendErr // reading the file failed: not clamd's doing
	}
	// clamd may stop reading and answer early (a size limit): its answer says more
	// than the broken pipe the send ended with.
	reply, err := c.reply(conn)
	if err != nil {
		if sendErr != nil {
			return Verdict{}, sendErr
		}
		return Verdict{}, err
	}
	v, err := parseVerdict(reply, scanned)
	if err == nil && sendErr != nil && !v.Infected() {
		// "OK" about a stream cut short says nothing of the rest of the file (what it
		// found, it found).
		return Verdict{}, sendErr
	}
	return v, err
}

// send writes the INSTREAM command, r in chunks, and the zero-length chunk that ends
// the stream. A failure to read r is returned as is; a failure to write, as
// Unavailable.
func (c *Clamd) send(conn net.Conn, r io.Reader) (int64, error) {
	w := bufio.NewWriterSize(conn, chunkSize+4)
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return 0, &Unavailable{err}
	}
	buf := make([]byte, 4+chunkSize)
	var sent int64
	for {
		n, readErr := io.ReadFull(r, buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf[:4], uint32(n))
			conn.SetWriteDeadline(time.Now().Add(c.Timeout))
			if _, err := w.Write(buf[:4+n]); err != nil {
				return sent, &Unavailable{fmt.Errorf("stream to clamd: %w", err)}
			}
			sent += int64(n)
		}
		if readErr == io.EOF || readErr == io.ErrUnexpectedEOF {
			break
		}
		if readErr != nil {
			return sent, fmt.Errorf("read the file to scan: %w", readErr)
		}
	}
	conn.SetWriteDeadline(time.Now().Add(c.Timeout))
	if _, err := w.Write([]byte{0, 0, 0, 0}); err != nil {
		return sent, &Unavailable{fmt.Errorf("end the stream: %w", err)}
	}
	if err := w.Flush(); err != nil {
		return sent, &Unavailable{fmt.Errorf("end the stream: %w", err)}
	}
	return sent, nil
}

func (c *Clamd) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: min(c.Timeout, 10*time.Second)}
	conn, err := d.DialContext(ctx, c.network, c.address)
	if err != nil {
		return nil, &Unavailable{fmt.Errorf("connect to clamd: %w", err)}
	}
	return conn, nil
}

// reply reads clamd's answer, which ends with a NUL byte (the "z" commands).
func (c *Clamd) reply(conn net.Conn) (string, error) {
	conn.SetReadDeadline(time.Now().Add(c.Timeout))
	b, err := bufio.NewReaderSize(conn, 1024).ReadBytes(0)
	if err != nil && len(b) == 0 {
		return "", &Unavailable{fmt.Errorf("read clamd's answer: %w", err)}
	}
	return string(bytes.TrimRight(b, "\x00\n")), nil
}

// parseVerdict reads an INSTREAM answer: "stream: OK", "stream: <name> FOUND", or
// "<message> ERROR" (Refused); anything else is Unavailable.
func parseVerdict(reply string, scanned int64) (Verdict, error) {
	body := strings.TrimPrefix(reply, "stream: ")
	switch {
	case body == "OK":
		return Verdict{Scanned: scanned}, nil
	case strings.HasSuffix(body, " FOUND"):
		return Verdict{Signature: strings.TrimSuffix(body, " FOUND"), Scanned: scanned}, nil
	case strings.HasSuffix(body, " ERROR"):
		return Verdict{}, &Refused{Reply: reply}
	default:
		return Verdict{}, &Unavailable{fmt.Errorf("clamd answered %q", reply)}
	}
}
