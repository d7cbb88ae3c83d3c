//go:build !unix

package cluster

import (
	"os"
	"syscall"
)

// The control plane binaries only exist for Unix-like systems; these stubs
// keep the package compiling elsewhere.

func sysProcAttr() *syscall.SysProcAttr { return nil }

func signalGroup(pid int, sig syscall.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

func groupAlive(pid int) bool { return false }

func pidAlive(pid int) bool { return false }

func rssBytes(pid int) int64 { return 0 }
