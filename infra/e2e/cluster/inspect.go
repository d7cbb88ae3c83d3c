package cluster

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Containers lists the containers the node's containerd holds for the
// kubelet (namespace k8s.io), pod sandboxes included.
func (c *Cluster) Containers(ctx context.Context) ([]string, error) {
	out, err := c.inNode(ctx, c.ctr("containers", "list", "--quiet")...)
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// IPTables is the node's iptables-save output (kube-proxy's NAT and filter rules).
func (c *Cluster) IPTables(ctx context.Context) (string, error) {
	return c.inNode(ctx, "iptables-save")
}

// ctr is a ctr command line for the node's containerd, in the kubelet's
// namespace (k8s.io).
func (c *Cluster) ctr(args ...string) []string {
	return append([]string{filepath.Join(c.opts.BinDir, "ctr"), "--address", c.runtimeSocket(), "--namespace", "k8s.io"}, args...)
}

func (c *Cluster) inNode(ctx context.Context, args ...string) (string, error) {
	argv := c.ns.enter(args...)
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).Output()
	if err != nil {
		return "", fmt.Errorf("cluster: %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}
