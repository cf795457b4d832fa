package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/h2non/bimg"

	"cartable/preview"
)

const (
	peerCartable = "Cartable"
	peerVips     = "vipsthumbnail"
	peerMagick   = "ImageMagick"
)

// peer makes the six thumbnails of a file into a folder.
type peer struct {
	name string
	// tool is what runs, as the report names it.
	tool string
	// quality is the WebP and JPEG quality: Cartable's, for every peer.
	quality int
	render  func(ctx context.Context, s sample, dir string) error
}

// outName is the file of one thumbnail in a peer's output folder.
func outName(size string, f preview.Format) string {
	if f == preview.JPEG {
		return size + ".jpg"
	}
	return size + "." + string(f)
}

// findPeers returns the peers installed here, Cartable first, with a note for each
// one that is missing: the bench then measures the others rather than failing.
func findPeers() ([]peer, []string) {
	r := preview.NewRenderer(preview.Limits{})
	peers := []peer{cartable(r)}
	var notes []string
	if r.Tools.Pdftoppm == "" {
		notes = append(notes, "pdftoppm is not installed (apt-get install poppler-utils): Cartable renders PDFs with libvips' loader at 72 dpi.")
	}
	if vips, err := exec.LookPath("vipsthumbnail"); err == nil {
		peers = append(peers, vipsthumbnail(vips, r.Quality))
	} else {
		notes = append(notes, "vipsthumbnail is not installed (apt-get install libvips-tools): not measured.")
	}
	if magick := findMagick(); magick != "" {
		peers = append(peers, imageMagick(magick, r.Quality))
	} else {
		notes = append(notes, "ImageMagick is not installed (apt-get install imagemagick): not measured.")
	}
	return peers, notes
}

// findMagick prefers the distribution's convert over whatever comes first on
// PATH (a wrapper script may stand in for it there), then ImageMagick 7's magick.
func findMagick() string {
	if st, err := os.Stat("/usr/bin/convert"); err == nil && !st.IsDir() {
		return "/usr/bin/convert"
	}
	if p, err := exec.LookPath("magick"); err == nil {
		return p
	}
	return ""
}

// cartable renders in-process with the renderer the preview jobs use. It reads the
// file and writes the thumbnails inside the timed work, as the CLIs do.
func cartable(r *preview.Renderer) peer {
	tool := fmt.Sprintf("preview.Renderer in-process (bimg %s, libvips %s", bimg.Version, bimg.VipsVersion)
	if r.Tools.Pdftoppm != "" {
		tool += ", PDFs through " + r.Tools.Pdftoppm
	}
	return peer{name: peerCartable, tool: tool + ")", quality: r.Quality, render: func(ctx context.Context, s sample, dir string) error {
		src, err := os.ReadFile(s.Path)
		if err != nil {
			return err
		}
		out, err := r.Render(ctx, src, s.Mime)
		if err != nil {
			return err
		}
		if want := len(preview.Sizes) * len(preview.Formats); len(out) != want {
			return fmt.Errorf("%d renditions instead of %d", len(out), want)
		}
		for _, t := range out {
			if err := os.WriteFile(filepath.Join(dir, outName(t.Size, t.Format)), t.Data, 0o644); err != nil {
				return err
			}
		}
		return nil
	}}
}

// vipsthumbnail runs the CLI once per thumbnail, as a script would: --smartcrop
// centre makes the square crop, no smartcrop a fit. It reads a PDF's first page.
// Every peer encodes at Cartable's quality.
func vipsthumbnail(bin string, quality int) peer {
	return peer{name: peerVips, tool: bin, quality: quality, render: func(ctx context.Context, s sample, dir string) error {
		for _, size := range preview.Sizes {
			for _, f := range preview.Formats {
				if err := run(ctx, bin, vipsArgs(s, size, f, quality, filepath.Join(dir, outName(size.Name, f)))...); err != nil {
					return err
				}
			}
		}
		return nil
	}}
}

func vipsArgs(s sample, size preview.Size, f preview.Format, quality int, out string) []string {
	args := []string{s.Path, "--size", fmt.Sprintf("%dx%d", size.Box, size.Box)}
	if size.Crop {
		args = append(args, "--smartcrop", "centre")
	}
	opts := fmt.Sprintf("Q=%d,strip", quality)
	if f == preview.JPEG {
		opts += ",interlace" // Cartable's JPEGs are progressive: the same work
	}
	return append(args, "-o", out+"["+opts+"]")
}

// imageMagick runs `convert -thumbnail` once per thumbnail. A PDF's first page is
// rasterised (by ghostscript) at the density that makes an A4 page as tall as the
// largest size.
func imageMagick(bin string, quality int) peer {
	return peer{name: peerMagick, tool: bin, quality: quality, render: func(ctx context.Context, s sample, dir string) error {
		for _, size := range preview.Sizes {
			for _, f := range preview.Formats {
				if err := run(ctx, bin, magickArgs(s, size, f, quality, filepath.Join(dir, outName(size.Name, f)))...); err != nil {
					return err
				}
			}
		}
		return nil
	}}
}

func magickArgs(s sample, size preview.Size, f preview.Format, quality int, out string) []string {
	var args []string
	in := s.Path
	if s.Kind == kindPDF {
		largest := preview.Sizes[len(preview.Sizes)-1].Box
		args = append(args, "-density", fmt.Sprint(math.Ceil(float64(largest)*72/pageH)))
		in += "[0]"
	}
	box := fmt.Sprintf("%dx%d", size.Box, size.Box)
	args = append(args, in)
	if size.Crop {
		args = append(args, "-thumbnail", box+"^", "-gravity", "center", "-extent", box)
	} else {
		args = append(args, "-thumbnail", box)
	}
	args = append(args, "-quality", fmt.Sprint(quality), "-strip")
	if f == preview.JPEG {
		args = append(args, "-interlace", "JPEG")
	}
	return append(args, out)
}

// run runs one CLI invocation; its error carries the last line it printed.
func run(ctx context.Context, bin string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", filepath.Base(bin), err, reason(stderr.String()))
	}
	return nil
}

// reason is the line of a CLI's error output that says why it failed: a policy
// refusal when there is one (ImageMagick prints it before a vaguer last line),
// else the last line.
func reason(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		if policyRefusal(line) {
			return lastLine(line)
		}
	}
	return lastLine(stderr)
}

func policyRefusal(msg string) bool {
	return strings.Contains(msg, "security policy") || strings.Contains(msg, "not authorized")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// refusal says how a peer's failure on its first file of a kind is reported:
// "refused" when the tool's policy forbids the format here (Debian's ImageMagick
// policy forbids PDF), "failed" otherwise.
func refusal(err error) string {
	if policyRefusal(err.Error()) {
		return "refused"
	}
	return "failed"
}
