package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"cartable/proc"
)

// A worker on a core of its own is how previews run in production (worker pods
// apart from the API, with their own CPU), and the fair measure of "less work
// around the renderer": on one shared machine the end-to-end rate also pays for
// the uploads' way in, MinIO, PostgreSQL and clamd, which the raw pass does not.
// The own-core scenario pins the worker to the machine's last core with taskset,
// and everything else (this process, the API node, MinIO, PostgreSQL, clamd) to
// the others; its "× raw" divides by the renderer's rate on that one core alone.

// lastCore is the core a pinned worker (or the one-core raw pass) runs on, and
// otherCores the rest, as taskset's lists: from the cores this process may run
// on (a container's cpuset may not start at 0), read once.
func lastCore() string { c := cores(); return c[len(c)-1] }

func otherCores() string {
	c := cores()
	if len(c) < 2 {
		return c[0]
	}
	return strings.Join(c[:len(c)-1], ",")
}

func allCores() string { return strings.Join(cores(), ",") }

var cores = sync.OnceValue(func() []string {
	out, err := exec.Command("taskset", "-c", "-p", strconv.Itoa(os.Getpid())).Output()
	_, list, found := strings.Cut(strings.TrimSpace(string(out)), ": ")
	if err != nil || !found {
		return []string{"0"}
	}
	var ids []string
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		from, err1 := strconv.Atoi(lo)
		to, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil {
			continue
		}
		for id := from; id <= to; id++ {
			ids = append(ids, strconv.Itoa(id))
		}
	}
	if len(ids) == 0 {
		return []string{"0"}
	}
	return ids
})

// pin sets the cores of every thread of a process (taskset -a -p): the threads
// it makes afterwards inherit them.
func pin(pid int, cores string) error {
	if out, err := exec.Command("taskset", "-a", "-p", "-c", cores, strconv.Itoa(pid)).CombinedOutput(); err != nil {
		return fmt.Errorf("taskset %s on %d: %v: %s", cores, pid, err, out)
	}
	return nil
}

// pinStack pins the stack's servers (MinIO, PostgreSQL, clamd: every process of
// those names this user may pin, another stack's too) and this process to cores;
// PostgreSQL's new backends inherit the postmaster's. A process it may not pin
// (another user's) is left as it is. unpinStack gives them every core back.
func pinStack(cores string) error {
	for _, pid := range proc.PIDs() {
		c, ok := proc.ReadCPU(pid)
		if !ok || (c.Name != "minio" && c.Name != "postgres" && c.Name != "clamd") {
			continue
		}
		if err := pin(pid, cores); err != nil {
			if _, alive := proc.ReadCPU(pid); alive {
				logf("left unpinned: %v", err)
			}
		}
	}
	return pin(os.Getpid(), cores)
}

// unpinStack undoes pinStack, saying how to do it by hand if it cannot.
func unpinStack() {
	if err := pinStack(allCores()); err != nil {
		logf("the stack may still be pinned (%v): taskset -a -p -c %s PID gives a process every core back", err, allCores())
	}
}
