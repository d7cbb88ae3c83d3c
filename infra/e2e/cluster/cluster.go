// Package cluster starts and stops a real, local Kubernetes control plane on
// 127.0.0.1 for end-to-end tests, in the spirit of controller-runtime's
// envtest but with the whole chain the e2e needs: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok (a fake node whose pods become
// Running and Ready without a kubelet) and metrics-server (so a
// HorizontalPodAutoscaler sees CPU metrics, which kwok derives from the
// kwok.x-k8s.io/usage-cpu pod annotation, see SetPodCPU).
//
// The binaries are built by infra/e2e/tools/install.sh into DefaultBinDir.
// Every Start generates fresh certificates, kubeconfigs and etcd data under a
// fresh work directory and listens on free ports only, so parallel runs and
// leftovers never collide. There is no kube-proxy and no container runtime:
// ClusterIPs and NodePorts carry no traffic.
//
// Typical use in a test (build tag e2e):
//
//	c, err := cluster.Start(ctx, cluster.Options{Logf: t.Logf})
//	if err != nil {
//		t.Fatal(err) // names the component that failed, with its log tail
//	}
//	defer c.Stop()
//	defer func() {
//		if t.Failed() {
//			t.Log(c.Logs())
//		}
//	}()
//	// c.Kubeconfig(), c.RESTConfig(), c.Client(); c.SetPodCPU(ctx, ns, "app=web", "80m")
package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
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
	Kwok              = "kwok"
	MetricsServer     = "metrics-server"
)

// Components lists the components in start order.
var Components = []string{Etcd, APIServer, ControllerManager, Scheduler, Kwok, MetricsServer}

// Options configures Start. The zero value is usable.
type Options struct {
	// BinDir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler, kwok and metrics-server. Default: DefaultBinDir().
	BinDir string
	// WorkDir receives pki/, kubeconfig/, logs/, etcd/ (etcd data, wiped at
	// every Start). Default: a fresh temporary directory, removed by Stop
	// unless KeepWorkDir is set.
	WorkDir string
	// KeepWorkDir keeps a temporary WorkDir after Stop (for debugging).
	KeepWorkDir bool
	// Logf receives progress lines (e.g. testing.T.Logf). Default: discard.
	Logf func(format string, args ...any)
	// StartTimeout bounds Start as a whole, on top of its ctx. Default 3m.
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
		o.StartTimeout = 3 * time.Minute
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

// MissingBinaries returns the components whose binary is not an executable
// file in binDir (empty: DefaultBinDir). A test can skip when it is not empty.
func MissingBinaries(binDir string) []string {
	if binDir == "" {
		binDir = DefaultBinDir()
	}
	var missing []string
	for _, name := range Components {
		st, err := os.Stat(filepath.Join(binDir, name))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	return missing
}

// StartError is returned by Start when a component did not become ready.
type StartError struct {
	Component string // one of the component names
	Err       error
	LogTail   string // the last lines of the component's log
	portInUse bool
}

func (e *StartError) Error() string {
	return fmt.Sprintf("cluster: %s did not become ready: %v\n--- last lines of %s.log ---\n%s",
		e.Component, e.Err, e.Component, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }

// portPicker is pickPorts; tests replace it to provoke a port collision.
var portPicker = pickPorts

// errPortInUse marks a StartError caused by a port taken between the pick and
// the bind; Start then retries with new ports.
var errPortInUse = errors.New("port already in use")

func (e *StartError) Is(target error) bool { return target == errPortInUse && e.portInUse }

// Cluster is a running control plane. Its methods are safe for concurrent use.
type Cluster struct {
	opts        Options
	workDir     string
	ownsWorkDir bool
	ports       Ports
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

// Start starts a control plane and returns once every component is ready:
// etcd healthy, kube-apiserver /readyz, controller-manager, scheduler and kwok
// /healthz, the fake node Ready, the metrics.k8s.io APIService Available and
// the default ServiceAccount present. ctx bounds only the start-up; the
// processes run until Stop. On failure everything started is stopped and the
// error (a *StartError when a component is to blame) names the component and
// carries the tail of its log.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	opts.setDefaults()
	if missing := MissingBinaries(opts.BinDir); len(missing) > 0 {
		return nil, fmt.Errorf("cluster: missing binaries in %s: %s (build them with infra/e2e/tools/install.sh)",
			opts.BinDir, strings.Join(missing, ", "))
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		var c *Cluster
		if c, err = start(ctx, opts); err == nil {
			return c, nil
		}
		if !errors.Is(err, errPortInUse) || ctx.Err() != nil {
			break
		}
		var se *StartError
		if errors.As(err, &se) {
			opts.Logf("cluster: attempt %d: %s: a port was taken (%v); retrying with new ports", attempt, se.Component, se.Err)
		}
	}
	return nil, err
}

func start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	c := &Cluster{opts: opts, started: time.Now()}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if opts.WorkDir == "" {
		if c.workDir, err = os.MkdirTemp("", "cloudperf-cluster-"); err != nil {
			return nil, err
		}
		c.ownsWorkDir = true
	} else {
		if c.workDir, err = filepath.Abs(opts.WorkDir); err != nil {
			return nil, err
		}
		// Fresh etcd data and logs every time.
		for _, d := range []string{"etcd", "logs", "apiserver-certs"} {
			if err = os.RemoveAll(filepath.Join(c.workDir, d)); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range []string{"logs", "kubeconfig", "kwok-home", "apiserver-certs"} {
		if err = os.MkdirAll(filepath.Join(c.workDir, d), 0o700); err != nil {
			return nil, err
		}
	}
	if c.ports, err = portPicker(); err != nil {
		return nil, err
	}
	c.logf("cluster: work dir %s, apiserver https://127.0.0.1:%d", c.workDir, c.ports.APIServer)

	// Credentials.
	p, err := newPKI()
	if err != nil {
		return nil, err
	}
	pkiDir := c.path("pki")
	if err = p.WriteFiles(pkiDir); err != nil {
		return nil, err
	}
	server := "https://127.0.0.1:" + strconv.Itoa(c.ports.APIServer)
	kubeconfigs := map[string]*keyPair{"admin": p.Admin, "kcm": p.ControllerManager, "scheduler": p.Scheduler}
	for user, kp := range kubeconfigs {
		if err = writeKubeconfig(newKubeconfig(server, p.CA.CertPEM, user, kp), c.path("kubeconfig", user+".kubeconfig")); err != nil {
			return nil, err
		}
	}
	c.kubeconfig = c.path("kubeconfig", "admin.kubeconfig")
	if c.restConfig, err = clientcmd.BuildConfigFromFlags("", c.kubeconfig); err != nil {
		return nil, err
	}
	c.restConfig.QPS, c.restConfig.Burst = 50, 100
	if c.client, err = kubernetes.NewForConfig(c.restConfig); err != nil {
		return nil, err
	}
	kwokConfigPath := c.path("kwok.yaml")
	if err = os.WriteFile(kwokConfigPath, kwokConfig, 0o644); err != nil {
		return nil, err
	}
	c.logf("cluster: certificates and kubeconfigs written (%s)", c.since())

	pk := func(name string) string { return filepath.Join(pkiDir, name) }
	kc := func(user string) string { return c.path("kubeconfig", user+".kubeconfig") }
	local := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	httpURL := func(port int) string { return "http://" + local(port) }

	// etcd.
	if err = c.run(Etcd, nil,
		"--name=cloudperf-e2e",
		"--data-dir="+c.path("etcd"),
		"--listen-client-urls="+httpURL(c.ports.EtcdClient),
		"--advertise-client-urls="+httpURL(c.ports.EtcdClient),
		"--listen-peer-urls="+httpURL(c.ports.EtcdPeer),
		"--initial-advertise-peer-urls="+httpURL(c.ports.EtcdPeer),
		"--initial-cluster=cloudperf-e2e="+httpURL(c.ports.EtcdPeer),
		"--unsafe-no-fsync", // throw-away data: no fsync, much faster on slow disks
	); err != nil {
		return nil, err
	}
	if err = c.waitReady(ctx, Etcd, "/health ok", func(ctx context.Context) error {
		body, err := httpGet(ctx, httpURL(c.ports.EtcdClient)+"/health")
		if err == nil && !strings.Contains(body, `"health":"true"`) {
			err = fmt.Errorf("/health: %s", body)
		}
		return err
	}); err != nil {
		return nil, err
	}

	// kube-apiserver. --advertise-address must not be loopback (the
	// "kubernetes" Endpoints reject 127.0.0.0/8); 198.51.100.10 (TEST-NET-2)
	// is only written there, nothing listens on it. PodSecurity admission is
	// in the default plugin set; the test proves it enforces.
	if err = c.run(APIServer, nil,
		"--etcd-servers="+httpURL(c.ports.EtcdClient),
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(c.ports.APIServer),
		"--advertise-address=198.51.100.10",
		"--tls-cert-file="+pk(fileAPIServerCrt), "--tls-private-key-file="+pk(fileAPIServerKey),
		"--client-ca-file="+pk(fileCACert),
		"--service-account-key-file="+pk(fileSAPub), "--service-account-signing-key-file="+pk(fileSAKey),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--service-node-port-range=30000-32767",
		"--authorization-mode=Node,RBAC",
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
		return nil, err
	}
	if err = c.waitReady(ctx, APIServer, "/readyz ok", func(ctx context.Context) error {
		body, err := c.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) != "ok" {
			err = fmt.Errorf("/readyz: %s", body)
		}
		return err
	}); err != nil {
		return nil, err
	}

	// The rest only needs the apiserver: start it all, then wait.
	if err = c.run(ControllerManager, nil,
		"--kubeconfig="+kc("kcm"), "--authentication-kubeconfig="+kc("kcm"), "--authorization-kubeconfig="+kc("kcm"),
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(c.ports.ControllerMgr),
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+pk(fileSAKey),
		"--root-ca-file="+pk(fileCACert),
		"--cluster-signing-cert-file="+pk(fileCACert), "--cluster-signing-key-file="+pk(fileCAKey),
		"--horizontal-pod-autoscaler-sync-period="+opts.HPASyncPeriod.String(),
	); err != nil {
		return nil, err
	}
	if err = c.run(Scheduler, nil,
		"--kubeconfig="+kc("scheduler"), "--authentication-kubeconfig="+kc("scheduler"), "--authorization-kubeconfig="+kc("scheduler"),
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(c.ports.Scheduler),
		"--leader-elect=false",
	); err != nil {
		return nil, err
	}
	// kwok reads ~/.kwok/kwok.yaml before --config when it exists: give it a
	// HOME of its own so a user's file can't change its behaviour.
	if err = c.run(Kwok, []string{"HOME=" + c.path("kwok-home")},
		"--kubeconfig="+kc("admin"),
		"--config="+kwokConfigPath,
		"--manage-all-nodes=true",
		"--node-ip=127.0.0.1",
		"--node-name="+NodeName,
		"--node-port="+strconv.Itoa(c.ports.Kwok),
		"--server-address="+local(c.ports.Kwok),
		"--tls-cert-file="+pk(fileAdminCrt), "--tls-private-key-file="+pk(fileAdminKey),
		"--cidr=10.244.0.1/16",
		"--node-lease-duration-seconds=40",
	); err != nil {
		return nil, err
	}
	// metrics-server insists on resolution*0.9 >= --kubelet-request-timeout
	// (default 10s), so a 10s resolution needs a shorter timeout; kwok answers
	// on loopback in milliseconds.
	kubeletTimeout := min(10*time.Second, opts.MetricResolution*8/10)
	if err = c.run(MetricsServer, nil,
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(c.ports.MetricsServer),
		"--kubeconfig="+kc("admin"), "--authentication-kubeconfig="+kc("admin"), "--authorization-kubeconfig="+kc("admin"),
		"--tls-cert-file="+pk(fileAdminCrt), "--tls-private-key-file="+pk(fileAdminKey),
		"--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
		"--kubelet-use-node-status-port",
		"--kubelet-insecure-tls",
		"--metric-resolution="+opts.MetricResolution.String(),
		"--kubelet-request-timeout="+kubeletTimeout.String(),
	); err != nil {
		return nil, err
	}
	if err = c.createNode(ctx); err != nil {
		return nil, err
	}

	healthz := func(port int) func(context.Context) error {
		return func(ctx context.Context) error {
			body, err := httpGet(ctx, "https://"+local(port)+"/healthz")
			if err == nil && body != "ok" {
				err = fmt.Errorf("/healthz: %s", body)
			}
			return err
		}
	}
	if err = c.waitReady(ctx, ControllerManager, "/healthz ok", healthz(c.ports.ControllerMgr)); err != nil {
		return nil, err
	}
	if err = c.waitReady(ctx, Scheduler, "/healthz ok", healthz(c.ports.Scheduler)); err != nil {
		return nil, err
	}
	if err = c.waitReady(ctx, Kwok, "/healthz ok", healthz(c.ports.Kwok)); err != nil {
		return nil, err
	}
	// Register the APIService only once metrics-server answers: a failed
	// availability check is retried with a backoff of up to 30 s.
	if err = c.waitReady(ctx, MetricsServer, "serving HTTPS", func(ctx context.Context) error {
		_, err := httpGet(ctx, "https://"+local(c.ports.MetricsServer)+"/livez")
		var status *httpStatusError
		if errors.As(err, &status) {
			return nil // serving TLS and HTTP, whatever /livez says yet
		}
		return err
	}); err != nil {
		return nil, err
	}
	ms, err := renderMetricsServerManifest(c.ports.MetricsServer)
	if err != nil {
		return nil, err
	}
	if err = c.Apply(ctx, ms); err != nil {
		return nil, err
	}
	if err = c.waitReady(ctx, Kwok, "node "+NodeName+" Ready", func(ctx context.Context) error {
		n, err := c.client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !nodeReady(n) {
			return fmt.Errorf("node %s not Ready yet", NodeName)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err = c.waitReady(ctx, MetricsServer, "APIService "+metricsAPIService+" Available", func(ctx context.Context) error {
		return c.apiServiceAvailable(ctx, metricsAPIService)
	}); err != nil {
		return nil, err
	}
	// The service-account controller creates it; pods need it to be admitted.
	if err = c.waitReady(ctx, ControllerManager, "ServiceAccount default/default created", func(ctx context.Context) error {
		_, err := c.client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err
	}); err != nil {
		return nil, err
	}
	c.startTime = time.Since(c.started)
	c.logf("cluster: control plane ready in %s", c.startTime.Round(time.Millisecond))
	return c, nil
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// run starts component name from BinDir with args plus Options.ExtraArgs.
func (c *Cluster) run(name string, env []string, args ...string) error {
	args = append(args, c.opts.ExtraArgs[name]...)
	p, err := startProcess(name, filepath.Join(c.opts.BinDir, name), args, env, c.workDir, c.logPath(name))
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
	tail := tailFile(c.logPath(name), c.opts.LogTailLines)
	return &StartError{Component: name, Err: err, LogTail: tail, portInUse: isAddrInUse(err, tail)}
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

func (c *Cluster) logf(format string, args ...any) { c.opts.Logf(format, args...) }

func (c *Cluster) since() string { return time.Since(c.started).Round(time.Millisecond).String() }

// Kubeconfig is the path of the admin kubeconfig (O=system:masters, CA and
// client certificate embedded).
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// RESTConfig returns a copy of the admin client configuration.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.restConfig) }

// Client is an admin clientset.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// Ports are the ports the components listen on.
func (c *Cluster) Ports() Ports { return c.ports }

// Host is the apiserver URL, https://127.0.0.1:<port>.
func (c *Cluster) Host() string { return c.restConfig.Host }

// WorkDir is the directory holding pki/, kubeconfig/, logs/ and etcd/.
func (c *Cluster) WorkDir() string { return c.workDir }

// StartDuration is how long Start took until everything was ready.
func (c *Cluster) StartDuration() time.Duration { return c.startTime }

// PIDs maps each started component to its process id (its process group id too).
func (c *Cluster) PIDs() map[string]int {
	m := map[string]int{}
	for _, p := range c.procs.list() {
		m[p.name] = p.pid()
	}
	return m
}

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

// DumpLogs writes Logs to w.
func (c *Cluster) DumpLogs(w io.Writer) { _, _ = io.WriteString(w, c.Logs()) }

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

// Stop stops every process Start started: the clients of the apiserver first
// (all at once), then kube-apiserver, then etcd; each process group gets
// SIGTERM and, after StopGracePeriod, SIGKILL. It returns when no process is
// left, then removes a temporary WorkDir. It is idempotent.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		procs := c.procs.list()
		t0 := time.Now()
		byName := map[string][]*process{}
		for _, p := range procs {
			byName[p.name] = append(byName[p.name], p)
		}
		stages := [][]string{{MetricsServer, Kwok, Scheduler, ControllerManager}, {APIServer}, {Etcd}}
		var took []string
		for _, stage := range stages {
			ts := time.Now()
			var wg sync.WaitGroup
			for _, name := range stage {
				for _, p := range byName[name] {
					wg.Add(1)
					go func() {
						defer wg.Done()
						p.stop(c.opts.StopGracePeriod)
					}()
				}
			}
			wg.Wait()
			took = append(took, fmt.Sprintf("%s %s", strings.Join(stage, "+"), time.Since(ts).Round(time.Millisecond)))
		}
		if len(procs) > 0 {
			c.logf("cluster: stopped %d processes in %s (%s)", len(procs), time.Since(t0).Round(time.Millisecond), strings.Join(took, ", "))
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

// Alive returns the components whose process (or process group) still
// exists; empty after Stop.
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

// httpStatusError is a non-2xx answer.
type httpStatusError struct {
	code int
	body string
}

func (e *httpStatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.code, e.body) }

// probeClient talks to the components' own endpoints. They serve self-signed
// or test certificates; only liveness is checked here, never identity. No
// proxy: everything is on loopback.
var probeClient = &http.Client{
	Transport: &http.Transport{
		Proxy:             nil,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health probes
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
