package proc

import (
	"bytes"
	"os"
	"strconv"
)

// Process is one process of a tree as /proc/<pid>/stat shows it.
type Process struct {
	PID, PPID int
	Name      string // the command's name, as the kernel truncates it (15 bytes)
	RSSKiB    int64  // resident memory: VmRSS, file-backed and shared pages included
}

// Tree finds a process and every process it started, directly or not, from the
// parent ids in /proc/*/stat (this kernel may lack /proc/<pid>/task/<tid>/children).
// It reads the stat of the tree's processes and of those it has not placed yet:
// a Sample costs a listing of /proc and a few small reads, cheap enough to run
// every 10 ms.
type Tree struct {
	root    int
	pageKiB int64
	// outside are the processes known not to descend from root. A process keeps its
	// parent until that parent ends, and is then adopted by its reaper: an orphan of
	// the tree by a reaper in the tree (a sandbox's init, or root), or by one
	// outside, for good. A pid is forgotten when it is no longer listed, so a pid
	// the kernel reuses is placed again.
	outside map[int]bool
}

// NewTree returns the tree of the process root.
func NewTree(root int) *Tree {
	return &Tree{root: root, pageKiB: int64(os.Getpagesize() / 1024), outside: map[int]bool{}}
}

// Sample returns the processes of the tree as they are now, root first; none
// when root has ended.
func (t *Tree) Sample() []Process {
	dir, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := dir.Readdirnames(-1)
	dir.Close()
	read := map[int]Process{}
	outside := make(map[int]bool, len(t.outside))
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		switch {
		case err != nil:
		case t.outside[pid]:
			outside[pid] = true
		default:
			if p, ok := t.stat(pid); ok {
				read[pid] = p
			}
		}
	}
	t.outside = outside
	root, ok := read[t.root]
	if !ok {
		return nil
	}
	// A process is in the tree when its chain of parents reaches root, and outside
	// for good when the chain ends outside (at pid 0, init's parent, included). A
	// chain that ends at a parent that was not read (it ended meanwhile) places
	// nothing: its orphans are placed by their reaper next time.
	in := map[int]bool{t.root: true}
	var place func(pid, depth int) (member, known bool)
	place = func(pid, depth int) (bool, bool) {
		if member, ok := in[pid]; ok {
			return member, true
		}
		if pid == 0 || t.outside[pid] {
			return false, true
		}
		p, ok := read[pid]
		if !ok || depth > 64 {
			return false, false
		}
		member, known := place(p.PPID, depth+1)
		if known {
			in[pid] = member
			if !member {
				t.outside[pid] = true
			}
		}
		return member, known
	}
	out := []Process{root}
	for pid, p := range read {
		if member, _ := place(pid, 0); member && pid != t.root {
			out = append(out, p)
		}
	}
	return out
}

// stat reads /proc/<pid>/stat: "pid (comm) state ppid ... rss ..." where comm may
// hold spaces and parentheses, so the fields are counted after its last ')'.
func (t *Tree) stat(pid int) (Process, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Process{}, false
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return Process{}, false
	}
	fields := bytes.Fields(b[end+1:])
	// After comm: state(3) ppid(4) … rss(24), counted from 1 in proc(5).
	if len(fields) < 22 {
		return Process{}, false
	}
	ppid, _ := strconv.Atoi(string(fields[1]))
	rss, _ := strconv.ParseInt(string(fields[21]), 10, 64)
	return Process{PID: pid, PPID: ppid, Name: string(b[open+1 : end]), RSSKiB: rss * t.pageKiB}, true
}
