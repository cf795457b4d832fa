package proc

import (
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
	read := map[int]Process{}
	outside := make(map[int]bool, len(t.outside))
	for _, pid := range PIDs() {
		switch {
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

// stat reads a process's parent, name and resident memory.
func (t *Tree) stat(pid int) (Process, bool) {
	name, fields, ok := readStat(pid)
	// After comm: state(3) ppid(4) … rss(24), counted from 1 in proc(5).
	if !ok || len(fields) < 22 {
		return Process{}, false
	}
	ppid, _ := strconv.Atoi(fields[1])
	rss, _ := strconv.ParseInt(fields[21], 10, 64)
	return Process{PID: pid, PPID: ppid, Name: name, RSSKiB: rss * t.pageKiB}, true
}
