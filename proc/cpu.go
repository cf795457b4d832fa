package proc

import (
	"os"
	"slices"
	"strconv"
	"strings"
)

// clockTicks is Linux's USER_HZ, the unit of /proc's CPU times (100 on every
// architecture Go's runtime targets).
const clockTicks = 100

// CPU is a process's CPU time as /proc/<pid>/stat counts it, in seconds.
type CPU struct {
	Name     string  // the command's name, as the kernel truncates it (15 bytes)
	Self     float64 // user + system
	Children float64 // user + system of the children it waited for
}

// ReadCPU reads a process's CPU time; false when it is gone (or elsewhere than
// Linux).
func ReadCPU(pid int) (CPU, bool) {
	name, fields, ok := readStat(pid)
	// After comm: state(3) … utime(14) stime(15) cutime(16) cstime(17), counted
	// from 1 in proc(5).
	if !ok || len(fields) < 15 {
		return CPU{}, false
	}
	ticks := func(i int) float64 { n, _ := strconv.ParseFloat(fields[i], 64); return n }
	return CPU{Name: name, Self: (ticks(11) + ticks(12)) / clockTicks, Children: (ticks(13) + ticks(14)) / clockTicks}, true
}

// PIDs lists the processes running now.
func PIDs() []int {
	dir, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := dir.Readdirnames(-1)
	dir.Close()
	pids := make([]int, 0, len(names))
	for _, name := range names {
		if pid, err := strconv.Atoi(name); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// CPUByName is the CPU time, in seconds, that the processes named (by their
// command name, /proc/PID/comm) took so far, each with the children it reaped (a
// PostgreSQL backend that ended counts in its postmaster's), summed by name;
// except the process skip (the caller's own, or 0).
func CPUByName(skip int, names ...string) map[string]float64 {
	out := make(map[string]float64, len(names))
	for _, pid := range PIDs() {
		if pid == skip {
			continue
		}
		if c, ok := ReadCPU(pid); ok && slices.Contains(names, c.Name) {
			out[c.Name] += c.Self + c.Children
		}
	}
	return out
}

// MachineBusy is the CPU time every core spent on anything but idling and
// waiting for I/O since boot, in seconds (/proc/stat).
func MachineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	busy := 0.0
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 7 { // steal is the hypervisor's; guest times are already in user
			break
		}
		x, _ := strconv.ParseFloat(v, 64)
		busy += x
	}
	return busy / clockTicks
}

// LoadAverage is the machine's 1-minute load average (0 elsewhere).
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	x, _ := strconv.ParseFloat(f[0], 64)
	return x
}

// readStat reads /proc/<pid>/stat: "pid (comm) state ppid …", where comm may hold
// spaces and parentheses, so the fields are counted after its last ')'.
func readStat(pid int) (name string, fields []string, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", nil, false
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", nil, false
	}
	return s[open+1 : end], strings.Fields(s[end+1:]), true
}
