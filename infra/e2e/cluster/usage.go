package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Annotations read by kwok's ClusterResourceUsage (manifests/kwok.yaml): a
// pod's simulated CPU and memory usage, which kwok reports on the fake
// kubelet's /metrics/resource endpoint, which metrics-server serves as
// metrics.k8s.io, which the HorizontalPodAutoscaler reads. Without them a pod
// uses 1m CPU and 1Mi memory.
const (
	UsageCPUAnnotation    = "kwok.x-k8s.io/usage-cpu"
	UsageMemoryAnnotation = "kwok.x-k8s.io/usage-memory"
)

// SetPodCPU sets the simulated CPU usage (a quantity such as "80m") of every
// pod in namespace matching labelSelector, by annotating it with
// kwok.x-k8s.io/usage-cpu. It fails if no pod matches. Pods created later
// (e.g. by a scale-up) do not inherit it and use 1m: see HoldPodCPU. metrics-server reports the new usage
// after about two metric-resolution intervals (it computes a rate between
// two scrapes).
func (c *Cluster) SetPodCPU(ctx context.Context, namespace, labelSelector, quantity string) error {
	_, err := c.annotatePods(ctx, namespace, labelSelector, UsageCPUAnnotation, quantity)
	return err
}

// HoldPodCPU keeps the simulated CPU usage of the pods matching labelSelector
// at quantity, including pods created later (a scale-up's new pods would
// otherwise use 1m, pull the average down and stop the HPA short of its
// target), by re-applying SetPodCPU every second until stop is called or ctx
// ends. stop (idempotent) waits for the background loop and returns its first error
// other than "no pod matches" (all pods may be gone for a moment).
func (c *Cluster) HoldPodCPU(ctx context.Context, namespace, labelSelector, quantity string) (stop func() error, err error) {
	if _, err := resource.ParseQuantity(quantity); err != nil {
		return nil, fmt.Errorf("cluster: %s=%q: %w", UsageCPUAnnotation, quantity, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		var first error
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			_, err := c.annotatePods(ctx, namespace, labelSelector, UsageCPUAnnotation, quantity)
			if err != nil && first == nil && ctx.Err() == nil && !errors.Is(err, errNoPods) {
				first = err
			}
			select {
			case <-ctx.Done():
				done <- first
				return
			case <-t.C:
			}
		}
	}()
	return sync.OnceValue(func() error {
		cancel()
		return <-done
	}), nil
}

var errNoPods = errors.New("no pod matches")

// annotatePods sets annotation key to the quantity q on the matching pods and
// returns how many it changed.
func (c *Cluster) annotatePods(ctx context.Context, namespace, labelSelector, key, q string) (int, error) {
	qty, err := resource.ParseQuantity(q)
	if err != nil {
		return 0, fmt.Errorf("cluster: %s=%q: %w", key, q, err)
	}
	value := qty.String()
	pods, err := c.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: labelSelector})
	if err != nil {
		return 0, fmt.Errorf("cluster: list pods %q in %s: %w", labelSelector, namespace, err)
	}
	if len(pods.Items) == 0 {
		return 0, fmt.Errorf("cluster: %w %q in namespace %s", errNoPods, labelSelector, namespace)
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{key: value}},
	})
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, pod := range pods.Items {
		if pod.Annotations[key] == value {
			continue
		}
		_, err := c.client.CoreV1().Pods(namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: fieldManager})
		if apierrors.IsNotFound(err) {
			continue // deleted meanwhile (e.g. a scale-down)
		}
		if err != nil {
			return changed, fmt.Errorf("cluster: annotate pod %s/%s: %w", namespace, pod.Name, err)
		}
		changed++
	}
	return changed, nil
}
