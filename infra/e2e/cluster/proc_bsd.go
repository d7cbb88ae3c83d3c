//go:build unix && !linux

package cluster

import "syscall"

// sysProcAttr puts each component in its own process group. Only Linux has
// Pdeathsig: elsewhere a killed test binary can leave components running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func rssBytes(pid int) int64 { return 0 }

func groupAlive(pid int) bool { return killAlive(-pid) }

func pidAlive(pid int) bool { return killAlive(pid) }
