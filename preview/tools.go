package preview

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/h2non/bimg"
)

// Tools are the external programs some kinds need, by path; an empty path means
// the program is not installed and its kinds have no preview.
type Tools struct {
	// Pdftoppm (poppler) renders a PDF's first page at the resolution the largest
	// size needs; without it libvips renders it at 72 dpi.
	Pdftoppm string
	// Soffice (LibreOffice) turns office documents into PDF.
	Soffice string
	// Ffmpeg takes a frame of a video.
	Ffmpeg string
	// Sandbox is how converters are confined (see SandboxBwrap): the strongest
	// this machine allows.
	Sandbox        string
	sandboxProgram string
	// prlimit (util-linux) sets each converter's memory and CPU-time limits; without
	// it only the render's deadline bounds a converter.
	prlimit string
}

// FindTools looks the tools up on PATH.
func FindTools() Tools {
	find := func(names ...string) string {
		for _, name := range names {
			if p, err := exec.LookPath(name); err == nil {
				return p
			}
		}
		return ""
	}
	t := Tools{Pdftoppm: find("pdftoppm"), Soffice: find("soffice", "libreoffice"), Ffmpeg: find("ffmpeg")}
	t.Sandbox, t.sandboxProgram = findSandbox()
	t.prlimit = find("prlimit")
	return t
}

// Capabilities says which source types get a preview on this node, and for the
// ones that do not, why.
type Capabilities struct {
	On  []string          `json:"on"`
	Off map[string]string `json:"off"`
	// Sandbox is how converters are confined: bwrap, network or none.
	Sandbox string `json:"converters_sandbox"`
}

// Capabilities reports what this renderer can preview.
func (r *Renderer) Capabilities() Capabilities {
	caps := Capabilities{Off: map[string]string{}, Sandbox: r.Tools.Sandbox}
	for mimeType, t := range sourceTypes {
		if why := r.missing(t); why != "" {
			caps.Off[mimeType] = why
		} else {
			caps.On = append(caps.On, mimeType)
		}
	}
	sort.Strings(caps.On)
	return caps
}

// missing says what this node lacks to preview a type, or "" when nothing.
func (r *Renderer) missing(t sourceType) string {
	switch {
	case (t.kind == KindImage || t.kind == KindSVG) && !bimg.IsTypeSupported(t.loader):
		return "libvips was built without a loader for it"
	case t.kind == KindPDF && r.Tools.Pdftoppm == "" && !bimg.IsTypeSupported(bimg.PDF):
		return "neither pdftoppm (poppler-utils) nor libvips' PDF loader is installed"
	case t.kind == KindOffice && r.Tools.Soffice == "":
		return "LibreOffice (soffice) is not installed"
	case t.kind == KindVideo && r.Tools.Ffmpeg == "":
		return "ffmpeg is not installed"
	}
	return ""
}

// pdfFirstPage renders the first page of the PDF at path (inside dir) at the
// resolution the largest of sizes needs, in a separate process with the job's time limit: a
// hostile PDF can slow poppler down, never crash the worker. Only the first page is
// ever read. The page comes as an uncompressed TIFF (at most 1600 px on its long
// side, 7.7 MB), which libvips reads as it reads an uploaded TIFF: as PNG, poppler
// spent more time compressing a page of 1131 × 1600 than drawing it (51 ms against
// 18 for one of the bench's pages).
func (r *Renderer) pdfFirstPage(ctx context.Context, dir, path string, sizes []Size) ([]byte, error) {
	if r.Tools.Pdftoppm == "" {
		return readOutput(path, "the PDF") // libvips reads the first page itself, at 72 dpi
	}
	// A page is taller than wide: the long side scaled to twice the box leaves the
	// short side enough for a square crop of the box.
	largest := 0
	for _, s := range sizes {
		largest = max(largest, s.Box)
		if s.Crop {
			largest = max(largest, 2*s.Box)
		}
	}
	out := filepath.Join(dir, "page")
	if err := r.run(ctx, dir, r.Tools.Pdftoppm, "-q", "-f", "1", "-l", "1", "-singlefile",
		"-scale-to", fmt.Sprint(largest), "-tiff", "-tiffcompression", "none", path, out); err != nil {
		return nil, err
	}
	return readOutput(out+".tif", "pdftoppm")
}

// officeToPDF converts the first page of the office document at path (inside dir)
// to PDF with LibreOffice, in a profile of its own so that several conversions can
// run at once, and returns the PDF's path.
func (r *Renderer) officeToPDF(ctx context.Context, dir, path string, t sourceType) (string, error) {
	// LibreOffice picks its import filter by the extension.
	in := filepath.Join(dir, "document"+t.extensions[0])
	if err := os.Rename(path, in); err != nil {
		return "", fmt.Errorf("name the document: %w", err)
	}
	// Only the first page is exported: a 600-page report converts in half the time.
	convertTo := "pdf:" + t.pdfFilter + `:{"PageRange":{"type":"string","value":"1"}}`
	if err := r.run(ctx, dir, r.Tools.Soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
		"-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", convertTo, "--outdir", dir, in); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "document.pdf")
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return "", fail(FailConverter, "LibreOffice could not convert the file")
	}
	return out, nil
}

// videoFrame takes a frame one second in (the first frame is often black), or the
// first frame of a shorter video, as PNG. Only local file access is allowed.
func (r *Renderer) videoFrame(ctx context.Context, dir, path string, t sourceType) ([]byte, error) {
	out := filepath.Join(dir, "frame.png")
	for _, at := range []string{"1", "0"} {
		if err := r.run(ctx, dir, r.Tools.Ffmpeg, "-nostdin", "-v", "error", "-y", "-threads", "1", "-protocol_whitelist", "file",
			"-f", t.demuxer, "-ss", at, "-i", path,
			"-frames:v", "1", "-an", "-f", "image2", "-c:v", "png", out); err != nil {
			return nil, err
		}
		if st, err := os.Stat(out); err == nil && st.Size() > 0 {
			return readOutput(out, "ffmpeg")
		}
	}
	return nil, fail(FailConverter, "ffmpeg found no frame in the video")
}

// run runs a converter in dir with the render's deadline, in the sandbox, with an
// environment of its own (none of the service's settings and secrets). On the
// deadline the whole process group is killed (LibreOffice starts helpers).
func (r *Renderer) run(ctx context.Context, dir, name string, args ...string) error {
	argv := r.Tools.confine(dir, append([]string{name}, args...))
	if r.Tools.prlimit != "" {
		// Inherited by the sandbox and every process the converter starts.
		argv = append([]string{r.Tools.prlimit, fmt.Sprintf("--data=%d", r.Limits.ConverterMemory),
			fmt.Sprintf("--cpu=%d", int64(r.Limits.Timeout.Seconds())+1), "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "TMPDIR=" + dir, "LANG=C.UTF-8"}
	cmd.WaitDelay = 5 * time.Second
	setProcessGroup(cmd)
	stderr := &tail{max: 4 << 10}
	cmd.Stderr, cmd.Stdout = stderr, stderr
	peak, err := r.runWatched(cmd)
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fail(FailTimeout, "%s took longer than %s", filepath.Base(name), r.Limits.Timeout)
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && r.outOfMemory(cmd.ProcessState, peak, stderr.String()):
		return fail(FailTooLarge, "%s needed more than the %d MiB a converter may use", filepath.Base(name), r.Limits.ConverterMemory>>20)
	case err != nil && cpuLimited(cmd.ProcessState):
		return fail(FailTimeout, "%s used more than %s of CPU time", filepath.Base(name), r.Limits.Timeout)
	case err != nil:
		return fail(FailConverter, "%s failed: %v: %s", filepath.Base(name), err, lastLine(stderr.String()))
	}
	return nil
}

// runWatched runs the converter and returns the peak resident memory of its
// largest process (see watchPeak; 0 when no limit is set) and its error.
func (r *Renderer) runWatched(cmd *exec.Cmd) (int64, error) {
	if r.Tools.prlimit == "" {
		return 0, cmd.Run()
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	stop := make(chan struct{})
	peak := watchPeak(cmd.Process.Pid, stop)
	err := cmd.Wait()
	close(stop)
	return <-peak, err
}

// outOfMemory reports whether a converter that failed ran into its memory limit:
// its allocations were refused (the programs then abort, crash or exit in their
// own ways: LibreOffice dies of a segfault without a word), so the file, not the
// program, is at fault. It says so, or one of its processes had grown to half the
// limit (the next doubling of a buffer is what was refused), as sampled while it
// ran or as its rusage says where the converter is the worker's own child.
func (r *Renderer) outOfMemory(ps *os.ProcessState, sampledPeak int64, stderr string) bool {
	if r.Tools.prlimit == "" || ps == nil {
		return false
	}
	lower := strings.ToLower(stderr)
	for _, says := range []string{"memory exhausted", "out of memory", "cannot allocate memory", "bad_alloc", "enomem"} {
		if strings.Contains(lower, says) {
			return true
		}
	}
	peak := sampledPeak
	if usage, ok := ps.SysUsage().(*syscall.Rusage); ok {
		peak = max(peak, usage.Maxrss*1024)
	}
	return peak >= r.Limits.ConverterMemory/2
}

// cpuLimited reports whether a converter was stopped by its CPU-time limit.
func cpuLimited(ps *os.ProcessState) bool {
	if ps == nil {
		return false
	}
	status, ok := ps.Sys().(syscall.WaitStatus)
	return ok && status.Signaled() && (status.Signal() == syscall.SIGXCPU || status.Signal() == syscall.SIGKILL)
}

// tail keeps the last max bytes written to it: a converter's chatter cannot
// grow the worker's memory.
type tail struct {
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.buf) }

func readOutput(path, tool string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(data) == 0) {
		return nil, fail(FailConverter, "%s could not convert the file", tool)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s output: %w", tool, err)
	}
	return data, nil
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
