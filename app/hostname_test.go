package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// utsHostnameEnv asks this test binary to set its hostname and exec the app
// (os.Args[1:]): how a test runs the app in a UTS namespace of its own.
const utsHostnameEnv = "CLOUDPERF_TEST_UTS_HOSTNAME"

func init() {
	name := os.Getenv(utsHostnameEnv)
	if name == "" {
		return
	}
	if err := syscall.Sethostname([]byte(name)); err != nil {
		fmt.Fprintf(os.Stderr, "sethostname %q: %v\n", name, err)
		os.Exit(3)
	}
	err := syscall.Exec(os.Args[1], os.Args[1:], []string{})
	fmt.Fprintf(os.Stderr, "exec %s: %v\n", os.Args[1], err)
	os.Exit(3)
}

// inUTSNamespace runs cmd through this test binary in a new UTS namespace
// whose hostname is name.
func inUTSNamespace(name string) func(*exec.Cmd) {
	return func(cmd *exec.Cmd) {
		self, err := os.Executable()
		if err != nil {
			self = os.Args[0]
		}
		cmd.Args = append([]string{self}, cmd.Args...)
		cmd.Path = self
		cmd.Env = append(cmd.Env, utsHostnameEnv+"="+name)
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}
	}
}

// The reply's host is the machine's hostname (on Kubernetes, the pod's
// name): here one of the app's own, set in a UTS namespace so that it differs
// from the test's.
func TestHelloDefaultHostIsOSHostname(t *testing.T) {
	probe := exec.Command(os.Args[0], "-test.run=^$")
	probe.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}
	if err := probe.Run(); errors.Is(err, syscall.EPERM) {
		t.Skip("a new UTS namespace needs CAP_SYS_ADMIN:", err)
	} else if err != nil {
		t.Fatalf("probe in a new UTS namespace: %v", err)
	}
	const name = "uts-pod-7f9c4"
	if own, _ := os.Hostname(); own == name {
		t.Fatalf("the test's own hostname is already %q", name)
	}
	p := startWith(t, inUTSNamespace(name))
	code, body, err := p.get("/")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /: %d %v", code, err)
	}
	var reply struct{ Host string }
	if err := json.Unmarshal(body, &reply); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if reply.Host != name {
		t.Errorf("host %q, want the namespace's hostname %q", reply.Host, name)
	}
}
