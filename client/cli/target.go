package cli

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/cloudperf/cloudperf/app/hello"
	"github.com/cloudperf/cloudperf/client/kube"
	"github.com/cloudperf/cloudperf/client/stack"
)

// target is where the load goes, and how to let go of it.
type target struct {
	url   string
	watch *kube.Target // the workload behind the URL, when known
	hint  string       // what to check when nothing answers
	close func()
}

func resolveTarget(ctx context.Context, o *options) (*target, error) {
	switch {
	case o.url != "":
		return &target{url: o.url, close: func() {}}, nil
	case o.local:
		return startLocal(o.path)
	default:
		return fromStack(ctx, o)
	}
}

// startLocal runs the service in-process on a random loopback port: the
// embedded default, so the client works with no cluster at all.
func startLocal(path string) (*target, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("--local: cannot listen on 127.0.0.1: %v", err)
	}
	srv := hello.New(hello.Config{Hostname: "local"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	if path == "" {
		path = "/"
	}
	return &target{
		url:  "http://" + ln.Addr().String() + path,
		hint: "(--local: the built-in service stopped unexpectedly)",
		close: func() {
			cancel()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
			}
		},
	}, nil
}

func fromStack(ctx context.Context, o *options) (*target, error) {
	dir := o.projectDir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if dir, err = stack.FindProject(wd); err != nil {
			return nil, err
		}
	}
	out, err := stack.Read(ctx, stack.Options{ProjectDir: dir, Stack: o.fromStack})
	if err != nil {
		return nil, err
	}
	u := out.Endpoint
	if o.path != "" {
		parsed, err := url.Parse(out.Endpoint + o.path)
		if err != nil {
			return nil, fmt.Errorf("--path %q: %v", o.path, err)
		}
		u = parsed.String()
	}
	return &target{
		url:   u,
		watch: &kube.Target{Namespace: out.Namespace, Deployment: out.Deployment, HPA: out.HPA},
		hint: fmt.Sprintf("The endpoint came from stack %q: is it deployed (pulumi up) and is nodeAddress right "+
			"(pulumi config set nodeAddress $(minikube ip); with minikube's docker driver on macOS use "+
			"`minikube service --url` and --url)?", o.fromStack),
		close: func() {},
	}, nil
}

// observeTarget says which workload to watch, if any: flags override what the
// stack exported.
func observeTarget(o *options, t *target) *kube.Target {
	if o.noObserve {
		return nil
	}
	w := kube.Target{}
	if t.watch != nil {
		w = *t.watch
	}
	for dst, v := range map[*string]string{&w.Namespace: o.namespace, &w.Deployment: o.deployment, &w.HPA: o.hpa} {
		if v != "" {
			*dst = v
		}
	}
	if w.Deployment == "" {
		return nil
	}
	w.Kubeconfig, w.Context = o.kubeconfig, o.kubeContext
	return &w
}
