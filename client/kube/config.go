package kube

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// client is the injected client, or one built from the kubeconfig, with the
// namespace to use and the API server's address (for messages; empty when
// injected). The error is the reason, ready for Unavailable.
func (o *Observer) client(t Target) (Client, string, string, error) {
	if o.set.client != nil {
		ns := t.Namespace
		if ns == "" {
			ns = "default"
		}
		return o.set.client, ns, "", nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if t.Kubeconfig != "" {
		rules.ExplicitPath = t.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: t.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	rc, err := cc.ClientConfig()
	if err != nil {
		return nil, "", "", configError(t, err)
	}
	ns := t.Namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil || ns == "" {
			ns = "default"
		}
	}
	rc = rest.CopyConfig(rc)
	rc.WarningHandler = rest.NoWarnings{}
	rc.UserAgent = "cloudperf-client (" + rest.DefaultKubernetesUserAgent() + ")"
	// A connection makes a dozen requests at once (checks, then a list and
	// a watch per kind); client-go's default 5/s would slow it by seconds.
	if rc.QPS == 0 && rc.Burst == 0 {
		rc.QPS, rc.Burst = 20, 40
	}
	c, err := newClient(rc)
	if err != nil {
		return nil, "", "", fmt.Errorf("cannot use the kubeconfig: %v", err)
	}
	return c, ns, rc.Host, nil
}

// configError explains a kubeconfig that cannot be loaded.
func configError(t Target, err error) error {
	switch {
	case clientcmd.IsEmptyConfig(err):
		return errors.New("no kubeconfig found (set KUBECONFIG or --kubeconfig)")
	case errors.Is(err, fs.ErrNotExist) && t.Kubeconfig != "":
		return fmt.Errorf("kubeconfig %s does not exist", t.Kubeconfig)
	case t.Context != "" && (clientcmd.IsContextNotFound(err) ||
		strings.Contains(err.Error(), fmt.Sprintf("context %q does not exist", t.Context))):
		return fmt.Errorf("kubeconfig has no context %q", t.Context)
	}
	return fmt.Errorf("cannot use the kubeconfig: %v", err)
}

// connError is why a connection attempt failed; permanent ones are not
// retried.
type connError struct {
	msg       string
	permanent bool
}

// classify explains err from a request about what ("deployment ns/name",
// "pods in ns"), in the words of its verb ("get", "list").
func classify(err error, verb, what, host string, s settings) *connError {
	server := "the Kubernetes API server"
	if host != "" {
		server += " at " + host
	}
	switch {
	case apierrors.IsNotFound(err):
		return &connError{msg: what + " not found (check the namespace and deployment name)", permanent: true}
	case apierrors.IsForbidden(err):
		return &connError{msg: fmt.Sprintf("the kubeconfig's user may not %s %s (it needs get, list and watch on "+
			"deployments, pods and horizontalpodautoscalers)", verb, what), permanent: true}
	case apierrors.IsUnauthorized(err):
		return &connError{msg: server + " rejected the kubeconfig's credentials (log in again or choose another context)",
			permanent: true}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return &connError{msg: fmt.Sprintf("%s did not answer within %v (is the cluster running?)", server, s.connectTimeout)}
	case errors.Is(err, context.Canceled):
		return &connError{msg: "the run ended before " + server + " answered"}
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return &connError{msg: fmt.Sprintf("%s failed to %s %s: %s", server, verb, what, status.Status().Message)}
	}
	return &connError{msg: fmt.Sprintf("cannot reach %s: %s (is the cluster running?)", server, cause(err))}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// cause is the innermost telling part of a transport error: "connection
// refused" rather than the whole URL.
func cause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		msg := op.Err.Error()
		// "connect: connection refused" → "connection refused"
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return msg
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}
