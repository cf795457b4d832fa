package preview

import (
	"os"
	"os/exec"
)

// Sandboxes a converter can run in, strongest first.
const (
	// SandboxBwrap: bubblewrap with every namespace unshared: no network, its own
	// /proc, and of the host's files only /usr, a few of /etc (fonts, the linker's
	// cache) and its scratch folder. A document linking a server's secrets or a
	// remote image gets neither.
	SandboxBwrap = "bwrap"
	// SandboxNetwork: util-linux unshare: no network and its own /proc, but the
	// host's files are readable.
	SandboxNetwork = "network"
	// SandboxNone: unprivileged user namespaces are off on this machine.
	SandboxNone = "none"
)

// etcFiles are the only files of /etc a sandboxed converter sees.
var etcFiles = []string{"/etc/fonts", "/etc/libreoffice", "/etc/alternatives", "/etc/ld.so.cache",
	"/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf"}

// findSandbox returns the strongest sandbox that works here, and its program.
func findSandbox() (kind, program string) {
	if bwrap, err := exec.LookPath("bwrap"); err == nil && works(bwrapArgs(bwrap, os.TempDir())) {
		return SandboxBwrap, bwrap
	}
	if unshare, err := exec.LookPath("unshare"); err == nil && works(unshareArgs(unshare)) {
		return SandboxNetwork, unshare
	}
	return SandboxNone, ""
}

func works(prefix []string) bool {
	return exec.Command(prefix[0], append(prefix[1:], "true")...).Run() == nil
}

// confine returns the command line that runs argv in the tools' sandbox, with dir
// as its only writable folder.
func (t Tools) confine(dir string, argv []string) []string {
	switch t.Sandbox {
	case SandboxBwrap:
		return append(bwrapArgs(t.sandboxProgram, dir), argv...)
	case SandboxNetwork:
		return append(unshareArgs(t.sandboxProgram), argv...)
	}
	return argv
}

func bwrapArgs(bwrap, dir string) []string {
	args := []string{bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"}
	// /bin, /lib... are links into /usr on a merged system, folders elsewhere.
	for _, top := range []string{"/bin", "/sbin", "/lib", "/lib64"} {
		if target, err := os.Readlink(top); err == nil {
			args = append(args, "--symlink", target, top)
		} else if _, err := os.Stat(top); err == nil {
			args = append(args, "--ro-bind", top, top)
		}
	}
	for _, f := range etcFiles {
		args = append(args, "--ro-bind-try", f, f)
	}
	return append(args, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind", dir, dir, "--chdir", dir,
		"--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", dir, "--setenv", "TMPDIR", dir,
		"--setenv", "LANG", "C.UTF-8", "--")
}

func unshareArgs(unshare string) []string {
	return []string{unshare, "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--"}
}
