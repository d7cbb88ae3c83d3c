//go:build linux

package cluster

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr puts each component in its own process group (so Stop can signal
// the whole group) and asks the kernel to SIGKILL it when the thread that
// started it dies, so a killed test binary leaves no control plane behind.
// Pdeathsig is tied to the parent *thread*; the Go runtime only ends threads
// whose goroutine exits while locked with runtime.LockOSThread, which this
// package never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// rssBytes is the resident set size of pid from /proc, or 0 if unknown.
func rssBytes(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// groupAlive reports whether a live (not zombie) process of the group led by
// pid exists. kill(-pid, 0) alone would also count zombies: a component's
// orphaned child is reaped by init, which may take a while.
func groupAlive(pid int) bool {
	if !killAlive(-pid) {
		return false
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if state, pgrp, ok := procStat(e.Name()); ok && pgrp == pid && state != 'Z' && state != 'X' {
			return true
		}
	}
	return false
}

// pidAlive reports whether process pid exists and is not a zombie.
func pidAlive(pid int) bool {
	if !killAlive(pid) {
		return false
	}
	state, _, ok := procStat(strconv.Itoa(pid))
	return !ok || (state != 'Z' && state != 'X')
}

// procStat reads the state and process group from /proc/<pid>/stat.
func procStat(pid string) (state byte, pgrp int, ok bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// "pid (comm) state ppid pgrp ...": comm may hold spaces and parens.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, 0, false
	}
	pgrp, err = strconv.Atoi(f[2])
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], pgrp, true
}
