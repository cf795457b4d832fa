package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
)

// A worker on a core of its own is how previews run in production (worker pods
// apart from the API, with their own CPU), and the fair measure of "less work
// around the renderer": on one shared machine the end-to-end rate also pays for
// the uploads' way in, MinIO, PostgreSQL and clamd, which the raw pass does not.
// The own-core scenario pins the worker to the machine's last core with taskset,
// and everything else (this process, the API node, MinIO, PostgreSQL, clamd) to
// the others; its "× raw" divides by the renderer's rate on that one core alone.

// lastCore is the core a pinned worker (or the one-core raw pass) runs on, and
// otherCores the rest, as taskset's lists.
func lastCore() string { return strconv.Itoa(runtime.NumCPU() - 1) }

func otherCores() string {
	if runtime.NumCPU() < 2 {
		return "0"
	}
	return fmt.Sprintf("0-%d", runtime.NumCPU()-2)
}

func allCores() string { return fmt.Sprintf("0-%d", runtime.NumCPU()-1) }

// pin sets the cores of every thread of a process (taskset -a -p): the threads
// it makes afterwards inherit them.
func pin(pid int, cores string) error {
	if out, err := exec.Command("taskset", "-a", "-p", "-c", cores, strconv.Itoa(pid)).CombinedOutput(); err != nil {
		return fmt.Errorf("taskset %s on %d: %v: %s", cores, pid, err, out)
	}
	return nil
}

// pinStack pins the stack's servers (MinIO, PostgreSQL, clamd) and this process
// to cores; PostgreSQL's new backends inherit the postmaster's.
func pinStack(cores string) error {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		comm, _, ok := processTimes(dir)
		if !ok || (comm != "minio" && comm != "postgres" && comm != "clamd") {
			continue
		}
		if err := pin(pid, cores); err != nil && processAlive(pid) {
			return err
		}
	}
	return pin(os.Getpid(), cores)
}

func processAlive(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	return err == nil
}
