// Package cluster starts and stops a real single-node Kubernetes cluster for
// end-to-end tests — the components minikube runs inside its VM — inside a
// network and mount namespace of its own, joined to the host by a veth pair:
//
//	host ── cloudperfK 198.51.100.4k+1/30 ══ eth0 198.51.100.4k+2 (the node)
//	        node: etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
//	              containerd (runc, CNI bridge cni0 203.0.113.0/24), kubelet,
//	              kube-proxy (iptables; ClusterIPs 192.0.2.0/24), metrics-server
//
// Pods really run (containerd, runc, cgroup v1 with the cgroupfs driver), the
// kubelet really probes them, metrics-server reports their real CPU from the
// kubelet, and a client on the host reaches a NodePort at NodeIP through
// kube-proxy's rules to pod IPs on the node's bridge. Images are built from
// host binaries (LoadImage), since no registry is reachable.
//
// The binaries are built by infra/e2e/tools/install.sh into DefaultBinDir.
// Needs root, iproute2, util-linux (unshare, nsenter), iptables and cgroup v1
// hierarchies under /sys/fs/cgroup. Stop leaves no process, mount, cgroup,
// iptables rule, interface or namespace behind; a later Start also removes
// what a killed test left.
//
// Typical use in a test (build tag e2e):
//
//	c, err := cluster.Start(ctx, cluster.Options{Logf: t.Logf})
//	if err != nil {
//		t.Fatal(err) // names the component that failed, with its log tail
//	}
//	defer c.Stop()
//	// c.Kubeconfig(), c.Client(), c.NodeIP(), c.LoadImage(ctx, cluster.Image{…})
package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Component names: the keys of PIDs and RSS, and the log file names
// (WorkDir/logs/<name>.log).
const (
	Etcd              = "etcd"
	APIServer         = "kube-apiserver"
	ControllerManager = "kube-controller-manager"
	Scheduler         = "kube-scheduler"
	Containerd        = "containerd"
	Kubelet           = "kubelet"
	KubeProxy         = "kube-proxy"
	MetricsServer     = "metrics-server"
)

// Components lists the components in start order.
var Components = []string{Etcd, APIServer, ControllerManager, Scheduler, Containerd, Kubelet, KubeProxy, MetricsServer}

// binaries are the files Start needs in BinDir besides the components.
var binaries = append(append([]string{}, Components...), "containerd-shim-runc-v2", "ctr", "runc",
	"cni/bridge", "cni/host-local", "cni/loopback", "cni/portmap")

// Ports inside the node (its own network namespace: nothing to collide with).
const (
	apiserverPort     = 6443
	etcdClientPort    = 2379
	etcdPeerPort      = 2380
	controllerMgrPort = 10257
	schedulerPort     = 10259
	kubeletPort       = 10250
	kubeProxyHealthz  = 10256
	metricsServerPort = 4443
)

// PauseImage is the pod sandbox image the node's containerd uses.
const PauseImage = "cloudperf.local/pause:e2e"

// Options configures Start. The zero value is usable.
type Options struct {
	// BinDir holds the components (see install.sh). Default: DefaultBinDir().
	BinDir string
	// WorkDir receives pki/, kubeconfig/, logs/, etcd/, containerd/, kubelet/.
	// Default: a fresh temporary directory, removed by Stop unless KeepWorkDir.
	WorkDir string
	// KeepWorkDir keeps a temporary WorkDir after Stop (for debugging).
	KeepWorkDir bool
	// Logf receives progress lines (e.g. testing.T.Logf). Default: discard.
	Logf func(format string, args ...any)
	// StartTimeout bounds Start as a whole, on top of its ctx. Default 4m.
	StartTimeout time.Duration
	// StopGracePeriod is how long Stop waits after SIGTERM before SIGKILL.
	// Default 5s.
	StopGracePeriod time.Duration
	// HPASyncPeriod is kube-controller-manager's
	// --horizontal-pod-autoscaler-sync-period. Default 5s (Kubernetes: 15s).
	HPASyncPeriod time.Duration
	// MetricResolution is metrics-server's --metric-resolution (at least 10s).
	// Default 10s (metrics-server: 60s).
	MetricResolution time.Duration
	// LogTailLines is how many lines per component Logs and startup errors
	// show. Default 40.
	LogTailLines int
	// ExtraArgs are appended to a component's flags, keyed by component name.
	ExtraArgs map[string][]string
}

func (o *Options) setDefaults() {
	if o.BinDir == "" {
		o.BinDir = DefaultBinDir()
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 4 * time.Minute
	}
	if o.StopGracePeriod <= 0 {
		o.StopGracePeriod = 5 * time.Second
	}
	if o.HPASyncPeriod <= 0 {
		o.HPASyncPeriod = 5 * time.Second
	}
	if o.MetricResolution <= 0 {
		o.MetricResolution = 10 * time.Second
	}
	if o.LogTailLines <= 0 {
		o.LogTailLines = 40
	}
}

// DefaultBinDir is where infra/e2e/tools/install.sh puts the binaries:
// $CLOUDPERF_TOOLS_DIR/bin, else ${XDG_CACHE_HOME:-$HOME/.cache}/cloudperf/tools/bin.
func DefaultBinDir() string {
	if d := os.Getenv("CLOUDPERF_TOOLS_DIR"); d != "" {
		return filepath.Join(d, "bin")
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "cloudperf", "tools", "bin")
}

// MissingBinaries returns the binaries Start needs that are not executable
// files in binDir (empty: DefaultBinDir). A test can skip when it is not empty.
func MissingBinaries(binDir string) []string {
	if binDir == "" {
		binDir = DefaultBinDir()
	}
	var missing []string
	for _, name := range binaries {
		st, err := os.Stat(filepath.Join(binDir, name))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	return missing
}

// MissingHostTools returns the host commands Start runs that are not on PATH.
func MissingHostTools() []string {
	var missing []string
	for _, t := range []string{"ip", "unshare", "nsenter", "mount", "sh", "sleep", "iptables", "iptables-restore"} {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	return missing
}

// StartError is returned by Start when a component did not become ready.
type StartError struct {
	Component string // one of the component names
	Err       error
	LogTail   string // the last lines of the component's log
}

func (e *StartError) Error() string {
	return fmt.Sprintf("cluster: %s did not become ready: %v\n--- last lines of %s.log ---\n%s",
		e.Component, e.Err, e.Component, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }

// Cluster is a running node. Its methods are safe for concurrent use.
type Cluster struct {
	opts        Options
	workDir     string
	ownsWorkDir bool
	ns          *namespace
	kubeconfig  string
	restConfig  *rest.Config
	client      kubernetes.Interface
	procs       procSet
	started     time.Time
	startTime   time.Duration

	stopOnce  sync.Once
	stopMu    sync.Mutex
	stopped   bool
	finalLogs string
}

// Start starts the node and returns once every component is ready: etcd
// healthy, kube-apiserver /readyz, controller-manager and scheduler /healthz,
// containerd serving with the pause image imported, the node Ready, kube-proxy
// /healthz, the metrics.k8s.io APIService Available and the default
// ServiceAccount present. ctx bounds only the start-up. On failure everything
// started is stopped and the error (a *StartError when a component is to
// blame) names the component and carries the tail of its log.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	opts.setDefaults()
	if missing := MissingBinaries(opts.BinDir); len(missing) > 0 {
		return nil, fmt.Errorf("cluster: missing binaries in %s: %s (build them with infra/e2e/tools/install.sh)",
			opts.BinDir, strings.Join(missing, ", "))
	}
	if missing := MissingHostTools(); len(missing) > 0 {
		return nil, fmt.Errorf("cluster: missing host commands: %s (apt-get install iproute2 util-linux iptables)",
			strings.Join(missing, ", "))
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("cluster: the node needs root (network and mount namespaces, cgroups, iptables)")
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	c := &Cluster{opts: opts, started: time.Now()}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if err := c.makeWorkDir(); err != nil {
		return nil, err
	}
	pause := c.path("pause")
	if err := buildPause(ctx, pause); err != nil {
		return nil, err
	}
	if c.ns, err = newNamespace(ctx, c.logf); err != nil {
		return nil, err
	}
	if err := c.writeCredentials(); err != nil {
		return nil, err
	}
	if err := c.startControlPlane(ctx); err != nil {
		return nil, err
	}
	if err := c.startNode(ctx, pause); err != nil {
		return nil, err
	}
	c.startTime = time.Since(c.started)
	c.logf("cluster: node %s ready in %s", NodeName, c.startTime.Round(time.Millisecond))
	return c, nil
}

func (c *Cluster) makeWorkDir() (err error) {
	if c.opts.WorkDir == "" {
		if c.workDir, err = os.MkdirTemp("", "cloudperf-cluster-"); err != nil {
			return err
		}
		c.ownsWorkDir = true
	} else {
		if c.workDir, err = filepath.Abs(c.opts.WorkDir); err != nil {
			return err
		}
		for _, d := range []string{"etcd", "logs", "apiserver-certs", "containerd", "kubelet", "cni", "pod-logs"} {
			if err := os.RemoveAll(filepath.Join(c.workDir, d)); err != nil {
				return err
			}
		}
	}
	for _, d := range []string{"logs", "kubeconfig", "apiserver-certs", "cni/net.d", "cni/ipam", "kubelet", "pod-logs"} {
		if err := os.MkdirAll(filepath.Join(c.workDir, d), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// buildPause builds the sandbox binary (a package of this module).
func buildPause(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out,
		"github.com/cloudperf/cloudperf/infra/e2e/cluster/pause")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cluster: build the pause binary: %v: %s", err, b)
	}
	return nil
}

// writeCredentials writes the PKI and one kubeconfig per client of the apiserver.
func (c *Cluster) writeCredentials() error {
	p, err := newPKI(NodeName, c.ns.nodeIP, net.ParseIP(serviceFirst))
	if err != nil {
		return err
	}
	if err := p.WriteFiles(c.path("pki")); err != nil {
		return err
	}
	server := fmt.Sprintf("https://%s", net.JoinHostPort(c.ns.nodeIP.String(), fmt.Sprint(apiserverPort)))
	users := map[string]*keyPair{
		"admin": p.Admin, "kcm": p.ControllerManager, "scheduler": p.Scheduler,
		"kubelet": p.Kubelet, "kube-proxy": p.KubeProxy,
	}
	for user, kp := range users {
		if err := writeKubeconfig(newKubeconfig(server, p.CA.CertPEM, user, kp), c.kubeconfigPath(user)); err != nil {
			return err
		}
	}
	c.kubeconfig = c.kubeconfigPath("admin")
	if c.restConfig, err = clientcmd.BuildConfigFromFlags("", c.kubeconfig); err != nil {
		return err
	}
	c.restConfig.QPS, c.restConfig.Burst = 50, 100
	c.client, err = kubernetes.NewForConfig(c.restConfig)
	return err
}

func (c *Cluster) startControlPlane(ctx context.Context) error {
	pk := func(name string) string { return c.path("pki", name) }
	kc := c.kubeconfigPath
	nodeIP := c.ns.nodeIP.String()
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClientPort)
	if err := c.run(Etcd, nil,
		"--name=cloudperf-e2e",
		"--data-dir="+c.path("etcd"),
		fmt.Sprintf("--listen-client-urls=%s,http://%s:%d", etcdURL, nodeIP, etcdClientPort),
		"--advertise-client-urls="+etcdURL,
		fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", etcdPeerPort),
		fmt.Sprintf("--initial-advertise-peer-urls=http://127.0.0.1:%d", etcdPeerPort),
		fmt.Sprintf("--initial-cluster=cloudperf-e2e=http://127.0.0.1:%d", etcdPeerPort),
		"--unsafe-no-fsync", // throw-away data: no fsync, much faster on slow disks
	); err != nil {
		return err
	}
	if err := c.waitReady(ctx, Etcd, "/health ok", func(ctx context.Context) error {
		body, err := httpGet(ctx, fmt.Sprintf("http://%s:%d/health", nodeIP, etcdClientPort))
		if err == nil && !strings.Contains(body, `"health":"true"`) {
			err = fmt.Errorf("/health: %s", body)
		}
		return err
	}); err != nil {
		return err
	}
	if err := c.run(APIServer, nil,
		"--etcd-servers="+etcdURL,
		"--bind-address=0.0.0.0",
		fmt.Sprintf("--secure-port=%d", apiserverPort),
		"--advertise-address="+nodeIP,
		"--tls-cert-file="+pk(fileAPIServerCrt), "--tls-private-key-file="+pk(fileAPIServerKey),
		"--client-ca-file="+pk(fileCACert),
		"--kubelet-client-certificate="+pk(fileAdminCrt), "--kubelet-client-key="+pk(fileAdminKey),
		"--kubelet-certificate-authority="+pk(fileCACert),
		"--kubelet-preferred-address-types=InternalIP",
		"--service-account-key-file="+pk(fileSAPub), "--service-account-signing-key-file="+pk(fileSAKey),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range="+serviceSubnet,
		"--service-node-port-range=30000-32767",
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--requestheader-client-ca-file="+pk(fileFPCACert),
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file="+pk(fileFPClientCrt), "--proxy-client-key-file="+pk(fileFPClientKey),
		"--cert-dir="+c.path("apiserver-certs"),
		// As kubeadm does: privileged pods pass validation, so that it is
		// PodSecurity admission (on by default) that rejects them in a
		// namespace enforcing "baseline" or "restricted".
		"--allow-privileged=true",
	); err != nil {
		return err
	}
	if err := c.waitReady(ctx, APIServer, "/readyz ok", func(ctx context.Context) error {
		body, err := c.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) != "ok" {
			err = fmt.Errorf("/readyz: %s", body)
		}
		return err
	}); err != nil {
		return err
	}
	if err := c.run(ControllerManager, nil,
		"--kubeconfig="+kc("kcm"), "--authentication-kubeconfig="+kc("kcm"), "--authorization-kubeconfig="+kc("kcm"),
		"--bind-address=0.0.0.0",
		fmt.Sprintf("--secure-port=%d", controllerMgrPort),
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+pk(fileSAKey),
		"--root-ca-file="+pk(fileCACert),
		"--cluster-signing-cert-file="+pk(fileCACert), "--cluster-signing-key-file="+pk(fileCAKey),
		"--horizontal-pod-autoscaler-sync-period="+c.opts.HPASyncPeriod.String(),
	); err != nil {
		return err
	}
	if err := c.run(Scheduler, nil,
		"--kubeconfig="+kc("scheduler"), "--authentication-kubeconfig="+kc("scheduler"), "--authorization-kubeconfig="+kc("scheduler"),
		"--bind-address=0.0.0.0",
		fmt.Sprintf("--secure-port=%d", schedulerPort),
		"--leader-elect=false",
	); err != nil {
		return err
	}
	if err := c.waitReady(ctx, ControllerManager, "/healthz ok", c.healthz("https", controllerMgrPort)); err != nil {
		return err
	}
	if err := c.waitReady(ctx, Scheduler, "/healthz ok", c.healthz("https", schedulerPort)); err != nil {
		return err
	}
	// The service-account controller creates it; pods need it to be admitted.
	return c.waitReady(ctx, ControllerManager, "ServiceAccount default/default created", func(ctx context.Context) error {
		_, err := c.client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}

func (c *Cluster) startNode(ctx context.Context, pause string) error {
	bin := func(name string) string { return filepath.Join(c.opts.BinDir, name) }
	nodeIP := c.ns.nodeIP.String()
	files := []struct {
		path, name, text string
		data             any
	}{
		{c.path("containerd.toml"), "containerd.toml", containerdConfig, map[string]string{
			"Dir": c.path("containerd"), "Socket": c.runtimeSocket(), "PauseImage": PauseImage,
			"Runc": bin("runc"), "CNIBinDir": bin("cni"), "CNIConfDir": c.path("cni", "net.d"),
		}},
		{c.path("cni", "net.d", "10-cloudperf.conflist"), "cni.conflist", cniConfig, map[string]string{
			"IPAMDir": c.path("cni", "ipam"), "PodSubnet": podSubnet, "PodGateway": podGateway,
		}},
		{c.path("kubelet.yaml"), "kubelet.yaml", kubeletConfig, map[string]string{
			"CgroupRoot": c.ns.cgroup, "RuntimeSocket": c.runtimeSocket(), "NodeIP": nodeIP,
			"PKIDir": c.path("pki"), "ResolvConf": c.path("resolv.conf"), "PodLogsDir": c.path("pod-logs"),
		}},
		{c.path("kube-proxy.yaml"), "kube-proxy.yaml", kubeProxyConfig, map[string]string{
			"Kubeconfig": c.kubeconfigPath("kube-proxy"), "NodeName": NodeName, "PodSubnet": podSubnet, "NodeIP": nodeIP,
		}},
	}
	for _, f := range files {
		b, err := render(f.name, f.text, f.data)
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.path, b, 0o644); err != nil {
			return err
		}
	}
	// Pods resolve nothing here (no cluster DNS): an empty resolver list.
	if err := os.WriteFile(c.path("resolv.conf"), []byte("options ndots:1\n"), 0o644); err != nil {
		return err
	}

	// The runc shim is found on containerd's PATH.
	if err := c.run(Containerd, []string{"PATH=" + c.opts.BinDir + string(os.PathListSeparator) + os.Getenv("PATH")},
		"--config="+c.path("containerd.toml")); err != nil {
		return err
	}
	if err := c.waitReady(ctx, Containerd, "serving CRI", func(ctx context.Context) error {
		return run(ctx, c.ns.enter(bin("ctr"), "--address", c.runtimeSocket(), "version")...)
	}); err != nil {
		return err
	}
	if err := c.LoadImage(ctx, Image{Ref: PauseImage, Binary: pause, Path: "/pause", User: "65535:65535"}); err != nil {
		return &StartError{Component: Containerd, Err: err, LogTail: tailFile(c.logPath(Containerd), c.opts.LogTailLines)}
	}

	if err := c.run(Kubelet, nil,
		"--config="+c.path("kubelet.yaml"),
		"--kubeconfig="+c.kubeconfigPath("kubelet"),
		"--hostname-override="+NodeName,
		"--node-ip="+nodeIP,
		"--root-dir="+c.path("kubelet"),
	); err != nil {
		return err
	}
	if err := c.run(KubeProxy, nil, "--config="+c.path("kube-proxy.yaml")); err != nil {
		return err
	}
	// metrics-server insists on resolution*0.9 >= --kubelet-request-timeout
	// (default 10s), so a 10s resolution needs a shorter timeout.
	kubeletTimeout := min(10*time.Second, c.opts.MetricResolution*8/10)
	pk := func(name string) string { return c.path("pki", name) }
	if err := c.run(MetricsServer, nil,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", metricsServerPort),
		"--kubeconfig="+c.kubeconfigPath("admin"),
		"--authentication-kubeconfig="+c.kubeconfigPath("admin"),
		"--authorization-kubeconfig="+c.kubeconfigPath("admin"),
		"--tls-cert-file="+pk(fileAdminCrt), "--tls-private-key-file="+pk(fileAdminKey),
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-use-node-status-port",
		"--kubelet-certificate-authority="+pk(fileCACert),
		"--metric-resolution="+c.opts.MetricResolution.String(),
		"--kubelet-request-timeout="+kubeletTimeout.String(),
	); err != nil {
		return err
	}
	if err := c.waitReady(ctx, Kubelet, "node "+NodeName+" Ready", func(ctx context.Context) error {
		n, err := c.client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !nodeReady(n) {
			return fmt.Errorf("node %s not Ready yet", NodeName)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := c.waitReady(ctx, KubeProxy, "/healthz ok", func(ctx context.Context) error {
		_, err := httpGet(ctx, fmt.Sprintf("http://%s:%d/healthz", nodeIP, kubeProxyHealthz))
		return err
	}); err != nil {
		return err
	}
	ms, err := render("metrics-server.yaml", metricsServerManifest, map[string]int{"Port": metricsServerPort})
	if err != nil {
		return err
	}
	if err := c.Apply(ctx, ms); err != nil {
		return err
	}
	return c.waitReady(ctx, MetricsServer, "APIService "+metricsAPIService+" Available", func(ctx context.Context) error {
		return c.apiServiceAvailable(ctx, metricsAPIService)
	})
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (c *Cluster) healthz(scheme string, port int) func(context.Context) error {
	return func(ctx context.Context) error {
		body, err := httpGet(ctx, fmt.Sprintf("%s://%s:%d/healthz", scheme, c.ns.nodeIP, port))
		if err == nil && body != "ok" {
			err = fmt.Errorf("/healthz: %s", body)
		}
		return err
	}
}

// run starts component name from BinDir inside the node, with args plus
// Options.ExtraArgs.
func (c *Cluster) run(name string, env []string, args ...string) error {
	args = append(args, c.opts.ExtraArgs[name]...)
	argv := c.ns.enterIn(c.workDir, append([]string{filepath.Join(c.opts.BinDir, name)}, args...)...)
	env = append(env, ownerEnv+"="+fmt.Sprint(os.Getpid()))
	p, err := startProcess(name, argv[0], argv[1:], env, c.workDir, c.logPath(name))
	if err != nil {
		return &StartError{Component: name, Err: err}
	}
	c.procs.add(p)
	c.logf("cluster: started %s (pid %d) (%s)", name, p.pid(), c.since())
	return nil
}

// waitReady polls check every 100 ms until it returns nil, the component's
// process exits, or ctx ends.
func (c *Cluster) waitReady(ctx context.Context, name, what string, check func(context.Context) error) error {
	p := c.proc(name)
	for {
		if p != nil {
			if ended, werr := p.exited(); ended {
				return c.startError(name, fmt.Errorf("process exited (%v) before: %s", werr, what))
			}
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			c.logf("cluster: %s: %s (%s)", name, what, c.since())
			return nil
		}
		select {
		case <-ctx.Done():
			return c.startError(name, fmt.Errorf("%s: %w; last check: %v", what, ctx.Err(), err))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) startError(name string, err error) *StartError {
	// Give a dying process a moment to flush its last words.
	time.Sleep(200 * time.Millisecond)
	return &StartError{Component: name, Err: err, LogTail: tailFile(c.logPath(name), c.opts.LogTailLines)}
}

func (c *Cluster) proc(name string) *process {
	for _, p := range c.procs.list() {
		if p.name == name {
			return p
		}
	}
	return nil
}

func (c *Cluster) path(elem ...string) string {
	return filepath.Join(append([]string{c.workDir}, elem...)...)
}

func (c *Cluster) logPath(name string) string { return c.path("logs", name+".log") }

func (c *Cluster) kubeconfigPath(user string) string {
	return c.path("kubeconfig", user+".kubeconfig")
}

func (c *Cluster) runtimeSocket() string { return c.path("containerd", "containerd.sock") }

func (c *Cluster) logf(format string, args ...any) { c.opts.Logf(format, args...) }

func (c *Cluster) since() string { return time.Since(c.started).Round(time.Millisecond).String() }

// Kubeconfig is the path of the admin kubeconfig (O=system:masters, CA and
// client certificate embedded).
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// Client is an admin clientset.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// NodeIP is the node's address, reachable from the host (NodePorts answer there).
func (c *Cluster) NodeIP() string { return c.ns.nodeIP.String() }

// WorkDir is the directory holding pki/, kubeconfig/, logs/ and the components' state.
func (c *Cluster) WorkDir() string { return c.workDir }

// StartDuration is how long Start took until everything was ready.
func (c *Cluster) StartDuration() time.Duration { return c.startTime }

// RSS maps each running component to its resident memory in bytes (Linux; 0
// where unknown).
func (c *Cluster) RSS() map[string]int64 {
	m := map[string]int64{}
	for _, p := range c.procs.list() {
		if ended, _ := p.exited(); !ended {
			m[p.name] = rssBytes(p.pid())
		}
	}
	return m
}

// Logs returns the last lines of every component's log, each under a header
// that also tells whether the process has exited. After Stop it returns the
// logs as they were when the processes had stopped.
func (c *Cluster) Logs() string {
	c.stopMu.Lock()
	defer c.stopMu.Unlock()
	if c.stopped {
		return c.finalLogs
	}
	return c.renderLogs()
}

func (c *Cluster) renderLogs() string {
	var b strings.Builder
	for _, p := range c.procs.list() {
		state := "running"
		if ended, werr := p.exited(); ended {
			state = fmt.Sprintf("exited: %v", werr)
			if werr == nil {
				state = "exited: status 0"
			}
		}
		fmt.Fprintf(&b, "===== %s (pid %d, %s), last %d lines of %s =====\n%s\n",
			p.name, p.pid(), state, c.opts.LogTailLines, p.logPath, tailFile(p.logPath, c.opts.LogTailLines))
	}
	return b.String()
}

// Stop stops the node: the kubelet and kube-proxy first, then the pods'
// processes, containerd, metrics-server, the controllers, kube-apiserver and
// etcd; each gets SIGTERM and, after StopGracePeriod, SIGKILL. Then the
// namespaces go (with every mount, interface and iptables rule in them), the
// cgroups are removed and the kernel settings the kubelet changed restored.
// It returns when no process is left, then removes a temporary WorkDir. It
// is idempotent.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		procs := c.procs.list()
		t0 := time.Now()
		byName := map[string][]*process{}
		for _, p := range procs {
			byName[p.name] = append(byName[p.name], p)
		}
		stages := [][]string{{Kubelet, KubeProxy, MetricsServer}, {Containerd, Scheduler, ControllerManager}, {APIServer}, {Etcd}}
		var took []string
		for i, stage := range stages {
			ts := time.Now()
			var wg sync.WaitGroup
			for _, name := range stage {
				for _, p := range byName[name] {
					wg.Go(func() { p.stop(c.opts.StopGracePeriod) })
				}
			}
			wg.Wait()
			if i == 0 && c.ns != nil {
				killCgroupProcs(c.ns.cgroup) // the pods, before their runtime goes
			}
			took = append(took, fmt.Sprintf("%s %s", strings.Join(stage, "+"), time.Since(ts).Round(time.Millisecond)))
		}
		c.ns.destroy(c.logf)
		if len(procs) > 0 {
			c.logf("cluster: stopped %d processes and the node's namespaces in %s (%s)", len(procs), time.Since(t0).Round(time.Millisecond), strings.Join(took, ", "))
		}
		c.stopMu.Lock()
		c.finalLogs = c.renderLogs()
		c.stopped = true
		c.stopMu.Unlock()
		if c.ownsWorkDir && !c.opts.KeepWorkDir && c.workDir != "" {
			if err := os.RemoveAll(c.workDir); err != nil {
				c.logf("cluster: remove %s: %v", c.workDir, err)
			}
		} else if c.workDir != "" {
			c.logf("cluster: work dir kept: %s", c.workDir)
		}
	})
}

// Alive returns the components whose process still exists; empty after Stop.
func (c *Cluster) Alive() []string {
	var alive []string
	for _, p := range c.procs.list() {
		if pidAlive(p.pid()) || groupAlive(p.pid()) {
			alive = append(alive, p.name)
		}
	}
	sort.Strings(alive)
	return alive
}

// Leftovers lists what of the node is still on the host after Stop: live
// processes of its mount namespace or cgroups, cgroup directories, the host
// veth. Empty when Stop cleaned up everything.
func (c *Cluster) Leftovers() []string {
	var left []string
	if c.ns == nil {
		return nil
	}
	if c.ns.pid > 0 && pidAlive(c.ns.pid) {
		left = append(left, fmt.Sprintf("namespace holder pid %d", c.ns.pid))
	}
	dirs, _ := cgroupHierarchies()
	for _, h := range dirs {
		if _, err := os.Stat(filepath.Join(h, c.ns.cgroup)); err == nil {
			left = append(left, "cgroup "+filepath.Join(h, c.ns.cgroup))
		}
	}
	if _, err := net.InterfaceByName(c.ns.hostLink); err == nil {
		left = append(left, "interface "+c.ns.hostLink)
	}
	if _, err := os.Stat(savedSysctls); err == nil && !nodesRunning() {
		left = append(left, "kernel settings the kubelet changed, not restored ("+savedSysctls+")")
	}
	b, _ := os.ReadFile("/proc/self/mountinfo")
	if c.workDir != "" && strings.Contains(string(b), c.workDir) {
		left = append(left, "mounts under "+c.workDir)
	}
	return left
}

// httpStatusError is a non-2xx answer.
type httpStatusError struct {
	code int
	body string
}

func (e *httpStatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.code, e.body) }

// probeClient talks to the components' own endpoints. They serve self-signed
// or test certificates; only liveness is checked here, never identity. No
// proxy: the node is reached over its own veth.
var probeClient = &http.Client{
	Transport: &http.Transport{
		Proxy:             nil,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // health probes of a test node
		DisableKeepAlives: true,
	},
	Timeout: 5 * time.Second,
}

func httpGet(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	body := strings.TrimSpace(string(b))
	if resp.StatusCode/100 != 2 {
		return body, &httpStatusError{code: resp.StatusCode, body: body}
	}
	return body, nil
}
