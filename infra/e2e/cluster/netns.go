//go:build linux

package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// namespace is the node's "machine": a network and a mount namespace held by
// one process (unshare … sleep) that every component joins with nsenter, a
// veth pair to the host, and a cgroup root for its pods. Everything the node
// mounts lives and dies with the mount namespace; the network namespace (its
// veth, bridge, pod namespaces and iptables rules) with its last process.
type namespace struct {
	holder   *exec.Cmd
	pid      int
	slot     int    // k in 198.51.100.4k+1/30
	hostLink string // the host end of the veth pair
	hostIP   net.IP
	nodeIP   net.IP
	cgroup   string // the pods' cgroup root, "/cloudperf-node-<owner>-<slot>"
}

// newNamespace creates the namespaces, the veth pair (host side up with
// hostIP/30, node side eth0 with nodeIP/30 and a default route: the kubelet
// wants one), IP forwarding inside, private tmpfs on /run, /var/log and
// /var/lib (the runtime's sockets, pod network namespaces, the kubelet's log
// links and plugin sockets never reach the host) and the cgroup root in every
// cgroup v1 hierarchy.
func newNamespace(ctx context.Context, logf func(string, ...any)) (ns *namespace, err error) {
	sweepStale(logf)
	ns = &namespace{}
	defer func() {
		if err != nil {
			ns.destroy(logf)
		}
	}()
	ns.holder = exec.Command("unshare", "--net", "--mount", "--propagation", "private", "--", "sleep", "infinity")
	ns.holder.Env = append(os.Environ(), ownerEnv+"="+strconv.Itoa(os.Getpid()))
	ns.holder.SysProcAttr = sysProcAttr()
	if err := ns.holder.Start(); err != nil {
		return nil, fmt.Errorf("cluster: unshare: %w", err)
	}
	ns.pid = ns.holder.Process.Pid
	go func() { _ = ns.holder.Wait() }()
	if err := ns.waitUnshared(ctx); err != nil {
		return nil, err
	}
	pid := strconv.Itoa(ns.pid)
	// Another node may take the same free slot at the same moment: the veth's
	// name is the lock, so on "exists" try the next one.
	for attempt := 0; ; attempt++ {
		slot, err := freeSlot()
		if err != nil {
			return nil, err
		}
		ns.slot = slot
		ns.hostLink = "cloudperf" + strconv.Itoa(slot)
		err = run(ctx, "ip", "link", "add", ns.hostLink, "type", "veth", "peer", "name", "eth0", "netns", pid)
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "exists") || attempt == 5 {
			return nil, err
		}
	}
	ns.hostIP = net.ParseIP(linkPrefix + strconv.Itoa(4*ns.slot+1))
	ns.nodeIP = net.ParseIP(linkPrefix + strconv.Itoa(4*ns.slot+2))
	ns.cgroup = "/" + cgroupPrefix + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(ns.slot)
	steps := [][]string{
		{"ip", "addr", "add", ns.hostIP.String() + "/30", "dev", ns.hostLink},
		{"ip", "link", "set", ns.hostLink, "up"},
	}
	inside := [][]string{
		{"ip", "link", "set", "lo", "up"},
		{"ip", "addr", "add", ns.nodeIP.String() + "/30", "dev", "eth0"},
		{"ip", "link", "set", "eth0", "up"},
		{"ip", "route", "add", "default", "via", ns.hostIP.String()},
		{"sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"},
		{"mount", "-t", "tmpfs", "-o", "mode=755", "cloudperf-run", "/run"},
		{"mount", "-t", "tmpfs", "-o", "mode=755", "cloudperf-log", "/var/log"},
		// The kubelet's device-plugin socket and libcni's result cache are
		// fixed paths under /var/lib.
		{"mount", "-t", "tmpfs", "-o", "mode=755", "cloudperf-lib", "/var/lib"},
	}
	for _, s := range steps {
		if err := run(ctx, s...); err != nil {
			return nil, err
		}
	}
	for _, s := range inside {
		if err := run(ctx, ns.enter(s...)...); err != nil {
			return nil, err
		}
	}
	if err := ns.makeCgroups(); err != nil {
		return nil, err
	}
	if err := saveSysctls(); err != nil {
		return nil, err
	}
	logf("cluster: node namespace (holder pid %d): host %s %s/30 ⇄ node eth0 %s, pods %s, services %s, cgroup %s",
		ns.pid, ns.hostLink, ns.hostIP, ns.nodeIP, podSubnet, serviceSubnet, ns.cgroup)
	return ns, nil
}

// kubeletSysctls are the kernel settings the kubelet changes when
// protectKernelDefaults is false (what minikube and kubeadm nodes run with).
// They are not namespaced: the first node to start saves the host's values in
// savedSysctls, and when no node is left (the last Stop, or a sweep after a
// killed test) they are put back.
var kubeletSysctls = []string{
	"vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
	"kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes",
}

const savedSysctls = "/run/cloudperf-node-sysctls"

func sysctlPath(k string) string { return "/proc/sys/" + k }

func saveSysctls() error {
	if _, err := os.Stat(savedSysctls); err == nil {
		return nil // a node already runs, or one was killed: the file has the host's values
	}
	var b strings.Builder
	for _, k := range kubeletSysctls {
		v, err := os.ReadFile(sysctlPath(k))
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "%s=%s\n", k, strings.TrimSpace(string(v)))
	}
	return os.WriteFile(savedSysctls, []byte(b.String()), 0o600)
}

// restoreSysctls puts back the host's values once no node is left.
func restoreSysctls(logf func(string, ...any)) {
	b, err := os.ReadFile(savedSysctls)
	if err != nil || nodesRunning() {
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if cur, err := os.ReadFile(sysctlPath(k)); err == nil && strings.TrimSpace(string(cur)) != v {
			if err := os.WriteFile(sysctlPath(k), []byte(v), 0o644); err != nil {
				logf("cluster: restore %s=%s: %v", k, v, err)
			}
		}
	}
	_ = os.Remove(savedSysctls)
}

// nodesRunning reports whether any node's cgroup root exists.
func nodesRunning() bool {
	dirs, _ := cgroupHierarchies()
	for _, h := range dirs {
		if m, _ := filepath.Glob(filepath.Join(h, cgroupPrefix+"*")); len(m) > 0 {
			return true
		}
	}
	return false
}

// enter prefixes a command so it runs inside the node's namespaces, in dir /.
func (ns *namespace) enter(args ...string) []string { return ns.enterIn("/", args...) }

// enterIn is enter with a working directory.
func (ns *namespace) enterIn(dir string, args ...string) []string {
	return append([]string{"nsenter", "--target", strconv.Itoa(ns.pid), "--net", "--mount", "--wd=" + dir, "--"}, args...)
}

// waitUnshared waits until the holder runs in namespaces of its own.
func (ns *namespace) waitUnshared(ctx context.Context) error {
	self, _ := os.Readlink("/proc/self/ns/net")
	for {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", ns.pid)); err == nil && l != self {
			if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", ns.pid)); strings.HasSuffix(exe, "/sleep") {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: unshare did not create the node's namespaces: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// freeSlot finds a /30 in 198.51.100.0/24 no host interface uses.
func freeSlot() (int, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return 0, err
	}
	used := map[int]bool{}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if s, ok := strings.CutPrefix(ipn.IP.String(), linkPrefix); ok {
				n, _ := strconv.Atoi(s)
				used[n/4] = true
			}
		}
	}
	for slot := 1; slot < 64; slot++ {
		if !used[slot] {
			if _, err := net.InterfaceByName("cloudperf" + strconv.Itoa(slot)); err != nil {
				return slot, nil
			}
		}
	}
	return 0, errors.New("cluster: no free /30 left in 198.51.100.0/24 (64 nodes running?)")
}

// cgroupHierarchies lists the mount points of the cgroup v1 hierarchies.
func cgroupHierarchies() ([]string, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, line := range strings.Split(string(b), "\n") {
		// "... mountpoint options - fstype source superoptions"
		left, right, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f, r := strings.Fields(left), strings.Fields(right)
		if len(f) >= 5 && len(r) >= 1 && r[0] == "cgroup" {
			dirs = append(dirs, f[4])
		}
	}
	if len(dirs) == 0 {
		return nil, errors.New("cluster: no cgroup v1 hierarchy is mounted (the node expects cgroup v1 under /sys/fs/cgroup)")
	}
	return dirs, nil
}

// makeCgroups creates the pods' cgroup root in every hierarchy (the kubelet
// requires it to exist); a cpuset child starts empty and takes its parent's CPUs
// and memory nodes.
func (ns *namespace) makeCgroups() error {
	dirs, err := cgroupHierarchies()
	if err != nil {
		return err
	}
	for _, h := range dirs {
		d := filepath.Join(h, ns.cgroup)
		if err := os.Mkdir(d, 0o755); err != nil && !os.IsExist(err) {
			return fmt.Errorf("cluster: cgroup root: %w", err)
		}
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			if b, err := os.ReadFile(filepath.Join(h, f)); err == nil {
				if err := os.WriteFile(filepath.Join(d, f), b, 0o644); err != nil {
					return fmt.Errorf("cluster: cgroup root %s: %w", f, err)
				}
			}
		}
	}
	return nil
}

// destroy ends every process of the node — those in its cgroup root (the
// containers), those in its mount namespace (components, shims, the holder) —
// removes the cgroups, the host's veth end if the kernel has not yet, and puts
// back the kernel settings the kubelet changed. Safe to call more than once.
func (ns *namespace) destroy(logf func(string, ...any)) {
	if ns == nil {
		return
	}
	var mntNS string
	if ns.pid > 0 {
		mntNS, _ = os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", ns.pid))
	}
	for round := 0; round < 50; round++ {
		n := killCgroupProcs(ns.cgroup)
		if mntNS != "" {
			n += killInMountNS(mntNS)
		}
		if n == 0 && (ns.pid == 0 || !pidAlive(ns.pid)) {
			break
		}
		if ns.pid > 0 {
			_ = syscall.Kill(ns.pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := removeCgroupTree(ns.cgroup); err != nil {
		logf("cluster: %v", err)
	}
	if ns.hostLink != "" {
		if _, err := net.InterfaceByName(ns.hostLink); err == nil {
			_ = run(context.Background(), "ip", "link", "del", ns.hostLink)
		}
	}
	restoreSysctls(logf)
}

// killCgroupProcs SIGKILLs every process in the cgroup subtree root of every
// hierarchy and returns how many it signalled. root must be a node's.
func killCgroupProcs(root string) int {
	if !isNodeCgroup(root) {
		return 0
	}
	dirs, _ := cgroupHierarchies()
	n := 0
	for _, h := range dirs {
		_ = filepath.WalkDir(filepath.Join(h, root), func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(filepath.Join(p, "cgroup.procs"))
			for _, f := range strings.Fields(string(b)) {
				if pid, _ := strconv.Atoi(f); pid > 0 && syscall.Kill(pid, syscall.SIGKILL) == nil {
					n++
				}
			}
			return nil
		})
	}
	return n
}

// killInMountNS SIGKILLs every live process whose mount namespace is mntNS.
func killInMountNS(mntNS string) int {
	n := 0
	for _, pid := range allPIDs() {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid)); l == mntNS && pidAlive(pid) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
	}
	return n
}

func allPIDs() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// isNodeCgroup guards the two functions that kill and remove whole cgroup
// subtrees: they act only on a node's own root, never on "" or "/".
func isNodeCgroup(root string) bool {
	return strings.HasPrefix(root, "/"+cgroupPrefix) && !strings.Contains(root[1:], "/")
}

// removeCgroupTree removes root and its children, deepest first, in every
// hierarchy. root must be a node's.
func removeCgroupTree(root string) error {
	if !isNodeCgroup(root) {
		return nil
	}
	dirs, _ := cgroupHierarchies()
	var left []string
	for _, h := range dirs {
		var all []string
		_ = filepath.WalkDir(filepath.Join(h, root), func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		slices.Reverse(all)
		for _, d := range all {
			var err error
			for try := 0; try < 20; try++ { // the kernel frees a cgroup shortly after its last process
				if err = syscall.Rmdir(d); err == nil || errors.Is(err, syscall.ENOENT) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err != nil && !errors.Is(err, syscall.ENOENT) {
				left = append(left, d+": "+err.Error())
			}
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("cgroups left: %s", strings.Join(left, "; "))
	}
	return nil
}

// sweepStale removes what a node whose owner died (a test binary killed with
// SIGKILL) left behind: its processes (marked by ownerEnv, or in its cgroup
// root) and its cgroups; its namespaces and veth go with its last process.
func sweepStale(logf func(string, ...any)) {
	for _, pid := range allPIDs() {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte(ownerEnv+"=")); ok {
				if owner, _ := strconv.Atoi(string(v)); owner > 0 && !pidAlive(owner) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
	}
	dirs, _ := cgroupHierarchies()
	seen := map[string]bool{}
	for _, h := range dirs {
		entries, _ := os.ReadDir(h)
		for _, e := range entries {
			rest, ok := strings.CutPrefix(e.Name(), cgroupPrefix)
			if !ok || seen[e.Name()] {
				continue
			}
			owner, _ := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
			if owner > 0 && !pidAlive(owner) {
				seen[e.Name()] = true
				root := "/" + e.Name()
				for i := 0; i < 20 && killCgroupProcs(root) > 0; i++ {
					time.Sleep(100 * time.Millisecond)
				}
				if err := removeCgroupTree(root); err != nil {
					logf("cluster: stale node: %v", err)
				} else {
					logf("cluster: removed a stale node's cgroups %s (owner pid %d is gone)", root, owner)
				}
			}
		}
	}
	restoreSysctls(logf)
}

// run runs a command and returns an error carrying its output.
func run(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cluster: %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}
