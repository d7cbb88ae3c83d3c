//go:build unix

package cluster

import (
	"errors"
	"syscall"
)

// signalGroup sends sig to the process group led by pid (each component is
// started with Setpgid, so its pgid is its pid).
func signalGroup(pid int, sig syscall.Signal) error {
	return syscall.Kill(-pid, sig)
}

// killAlive reports whether kill(pid, 0) finds a process (or, for a negative
// pid, a process group); zombies count.
func killAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
