package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/cloudperf/cloudperf/client/results"
)

// rescaleReason is the reason of the HPA controller's core Events when it
// changes the target's scale.
const rescaleReason = "SuccessfulRescale"

// watcher holds the informers of one connected observation.
type watcher struct {
	o       *Observer
	ns      string
	name    string          // the Deployment
	hpaName string          // the HPA, when named
	sel     labels.Selector // the Deployment's pod selector

	dep    cache.SharedIndexInformer
	pods   cache.SharedIndexInformer // nil: not allowed
	hpas   cache.SharedIndexInformer // nil: not allowed
	events cache.SharedIndexInformer // nil: off or not allowed

	deadline time.Time // of the first sync
}

// connect checks access within the connect timeout (the Deployment, then a
// one-item list of each watched kind) and builds the informers.
func connect(ctx context.Context, o *Observer, client Client, ns, host string, t Target) (*watcher, *connError) {
	deadline := time.Now().Add(o.set.connectTimeout)
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	what := fmt.Sprintf("deployment %s/%s", ns, t.Deployment)
	d, err := client.Deployments(ns).Get(cctx, t.Deployment, metav1.GetOptions{})
	if err != nil {
		return nil, classify(err, "get", what, host, o.set)
	}
	if d.Spec.Selector == nil {
		return nil, &connError{msg: what + " has no pod selector", permanent: true}
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, &connError{msg: fmt.Sprintf("%s has an unusable pod selector: %v", what, err), permanent: true}
	}
	w := &watcher{o: o, ns: ns, name: t.Deployment, hpaName: t.HPA, sel: sel, deadline: deadline}

	byName := func(name string) func(*metav1.ListOptions) {
		return func(lo *metav1.ListOptions) {
			lo.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
		}
	}
	depOpts := byName(t.Deployment)
	podOpts := func(lo *metav1.ListOptions) { lo.LabelSelector = sel.String() }
	hpaOpts := func(*metav1.ListOptions) {}
	if t.HPA != "" {
		hpaOpts = byName(t.HPA)
	}
	evOpts := func(lo *metav1.ListOptions) {
		lo.FieldSelector = fields.AndSelectors(
			fields.OneTermEqualSelector("reason", rescaleReason),
			fields.OneTermEqualSelector("involvedObject.kind", "HorizontalPodAutoscaler"),
		).String()
	}
	// probe lists one item; a forbidden kind is left out (with a note
	// unless quiet), anything else fails the attempt.
	probe := func(list func(metav1.ListOptions) error, opts func(*metav1.ListOptions), what string, quiet bool) (ok bool, _ *connError) {
		lo := metav1.ListOptions{Limit: 1}
		opts(&lo)
		err := list(lo)
		switch {
		case err == nil:
			return true, nil
		case apierrors.IsForbidden(err):
			if !quiet {
				o.note("the kubeconfig's user may not list " + what + " (it needs get, list and watch)")
			}
			return false, nil
		}
		return false, classify(err, "list", what, host, o.set)
	}

	ok, cerr := probe(func(lo metav1.ListOptions) error {
		_, err := client.Deployments(ns).List(cctx, lo)
		return err
	}, depOpts, "deployments in "+ns, true)
	if cerr != nil {
		return nil, cerr
	}
	if !ok {
		return nil, &connError{msg: fmt.Sprintf("the kubeconfig's user may get but not list and watch %s "+
			"(it needs get, list and watch)", what), permanent: true}
	}
	w.dep = newInformer(client, client.Deployments(ns), &appsv1.Deployment{}, depOpts)

	if ok, cerr = probe(func(lo metav1.ListOptions) error {
		_, err := client.Pods(ns).List(cctx, lo)
		return err
	}, podOpts, "pods in "+ns, false); cerr != nil {
		return nil, cerr
	} else if ok {
		w.pods = newInformer(client, client.Pods(ns), &corev1.Pod{}, podOpts)
	}

	if ok, cerr = probe(func(lo metav1.ListOptions) error {
		_, err := client.HorizontalPodAutoscalers(ns).List(cctx, lo)
		return err
	}, hpaOpts, "horizontalpodautoscalers in "+ns, false); cerr != nil {
		return nil, cerr
	} else if ok {
		w.hpas = newInformer(client, client.HorizontalPodAutoscalers(ns), &autoscalingv2.HorizontalPodAutoscaler{}, hpaOpts)
	}

	if ok, cerr = probe(func(lo metav1.ListOptions) error {
		_, err := client.Events(ns).List(cctx, lo)
		return err
	}, evOpts, "events in "+ns, true); cerr != nil {
		return nil, cerr
	} else if ok {
		w.events = newInformer(client, client.Events(ns), &corev1.Event{}, evOpts)
	}
	return w, nil
}

// run starts the informers, waits (within the connect deadline) for their
// first sync, samples until ctx ends, then stops them and takes a last
// sample.
func (w *watcher) run(ctx context.Context) {
	informers := []cache.SharedIndexInformer{w.dep}
	w.handle(w.dep, "deployments", cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: w.depAdded, UpdateFunc: w.depUpdated, DeleteFunc: w.depDeleted,
	})
	if w.pods != nil {
		informers = append(informers, w.pods)
		w.handle(w.pods, "pods", cache.ResourceEventHandlerDetailedFuncs{
			AddFunc: w.podAdded, UpdateFunc: w.podUpdated, DeleteFunc: w.podDeleted,
		})
	}
	if w.hpas != nil {
		informers = append(informers, w.hpas)
		w.handle(w.hpas, "horizontalpodautoscalers", cache.ResourceEventHandlerDetailedFuncs{
			AddFunc: w.hpaAdded, UpdateFunc: w.hpaUpdated, DeleteFunc: w.hpaDeleted,
		})
	}
	if w.events != nil {
		informers = append(informers, w.events)
		w.handle(w.events, "", cache.ResourceEventHandlerDetailedFuncs{
			AddFunc: w.eventAdded, UpdateFunc: w.eventUpdated,
		})
	}
	var wg sync.WaitGroup
	for _, inf := range informers {
		wg.Go(func() { inf.RunWithContext(ctx) })
	}
	defer func() {
		wg.Wait() // no handler runs after this
		w.takeSample()
		if w.hpaName != "" && w.hpas != nil && !w.o.hpaSeen() {
			w.o.note(fmt.Sprintf("horizontalpodautoscaler %s/%s not found", w.ns, w.hpaName))
		}
	}()

	sctx, cancel := context.WithDeadline(ctx, w.deadline)
	synced := make([]cache.InformerSynced, len(informers))
	for i, inf := range informers {
		synced[i] = inf.HasSynced
	}
	cache.WaitForCacheSync(sctx.Done(), synced...)
	cancel()

	w.takeSample()
	w.o.settle()

	interval := w.o.set.interval
	timer := time.NewTimer(w.untilNext(interval))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if w.takeSample() {
			interval *= 2
		}
		timer.Reset(w.untilNext(interval))
	}
}

// untilNext is the wait until the next multiple of interval on the run's
// clock, so samples line up with the load's per-second timeline.
func (w *watcher) untilNext(interval time.Duration) time.Duration {
	since := time.Since(w.o.start)
	if since < 0 {
		return -since
	}
	return interval - since%interval
}

// handle registers h and w.watchError.
func (w *watcher) handle(inf cache.SharedIndexInformer, resource string, h cache.ResourceEventHandler) {
	_, _ = inf.AddEventHandler(h)
	_ = inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, _ *cache.Reflector, err error) {
		if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			w.watchError(resource, err)
		}
	})
}

// watchError replaces the informers' logging of failed lists and watches
// (they retry with backoff by themselves): a forbidden watch becomes a note
// (resource empty: optional, not even that), and so does the first loss of
// contact with the API server, since samples may be stale after it.
func (w *watcher) watchError(resource string, err error) {
	switch {
	case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
		if resource != "" {
			w.o.note(fmt.Sprintf("the kubeconfig's user may not watch %s in %s (it needs get, list and watch)",
				resource, w.ns))
		}
	case isTransport(err):
		w.o.lost(cause(err))
	}
}

// isTransport reports whether err is about reaching the server rather than
// an answer from it.
func isTransport(err error) bool {
	var ue *url.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &oe) || isTimeout(err)
}

// takeSample reads the informers' stores; it reports whether the samples
// were thinned.
func (w *watcher) takeSample() bool {
	if !w.dep.HasSynced() {
		return false
	}
	s := results.ClusterSample{CPUUtilization: -1, CPUTarget: -1}
	if obj, ok, _ := w.dep.GetStore().GetByKey(w.ns + "/" + w.name); ok {
		d := obj.(*appsv1.Deployment)
		s.Desired = replicas(d)
		s.Current = d.Status.Replicas
		s.Ready = d.Status.ReadyReplicas
		s.Available = d.Status.AvailableReplicas
	}
	if w.pods != nil {
		for _, obj := range w.pods.GetStore().List() {
			if p := obj.(*corev1.Pod); w.ours(p) && alive(p) {
				s.Pods++
			}
		}
	}
	hpa := ""
	if h := w.hpa(); h != nil {
		hpa = h.Name
		s.HPADesired = h.Status.DesiredReplicas
		s.CPUUtilization = cpuCurrent(h)
		s.CPUTarget = cpuTarget(h)
	}
	s.At = w.o.since()
	return w.o.sample(s, hpa)
}

// hpaSeen reports whether an HPA was ever sampled.
func (o *Observer) hpaSeen() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sawHPA
}

// replicas is spec.replicas, which defaults to 1.
func replicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// --- Deployment ---

func (w *watcher) isDep(obj any) (*appsv1.Deployment, bool) {
	d, ok := obj.(*appsv1.Deployment)
	return d, ok && d.Namespace == w.ns && d.Name == w.name
}

func (w *watcher) depAdded(obj any, initial bool) {
	if d, ok := w.isDep(obj); ok && !initial {
		w.o.event("scale", fmt.Sprintf("deployment created with %d replicas", replicas(d)))
	}
}

func (w *watcher) depUpdated(oldObj, newObj any) {
	old, ok1 := w.isDep(oldObj)
	d, ok2 := w.isDep(newObj)
	if ok1 && ok2 && replicas(old) != replicas(d) {
		w.o.event("scale", fmt.Sprintf("%d → %d replicas", replicas(old), replicas(d)))
	}
}

func (w *watcher) depDeleted(obj any) {
	if _, ok := w.isDep(untomb(obj)); ok {
		w.o.event("scale", "deployment deleted")
	}
}

// --- Pods ---

// ours reports whether p is one of the Deployment's pods (the fake
// clientset's watches ignore selectors, so they are checked here too).
func (w *watcher) ours(p *corev1.Pod) bool {
	return p.Namespace == w.ns && w.sel.Matches(labels.Set(p.Labels))
}

// alive: not terminating and not finished.
func alive(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (w *watcher) podAdded(obj any, initial bool) {
	if p, ok := obj.(*corev1.Pod); ok && !initial && w.ours(p) && alive(p) && podReady(p) {
		w.o.event("pod-ready", p.Name)
	}
}

func (w *watcher) podUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	p, ok2 := newObj.(*corev1.Pod)
	if !ok1 || !ok2 || !w.ours(p) {
		return
	}
	switch {
	case alive(old) && !alive(p):
		w.o.event("pod-gone", p.Name)
	case alive(p) && podReady(p) && !podReady(old):
		w.o.event("pod-ready", p.Name)
	}
}

func (w *watcher) podDeleted(obj any) {
	// A pod already terminating or finished was reported then.
	if p, ok := untomb(obj).(*corev1.Pod); ok && w.ours(p) && alive(p) {
		w.o.event("pod-gone", p.Name)
	}
}

// --- HPA ---

// targets reports whether h scales the Deployment.
func (w *watcher) targets(h *autoscalingv2.HorizontalPodAutoscaler) bool {
	ref := h.Spec.ScaleTargetRef
	return ref.Kind == "Deployment" && ref.Name == w.name &&
		(ref.APIVersion == "" || strings.HasPrefix(ref.APIVersion, "apps/") || strings.HasPrefix(ref.APIVersion, "extensions/"))
}

// isHPA reports whether obj is the HPA observed: the named one, or one
// that scales the Deployment.
func (w *watcher) isHPA(obj any) (*autoscalingv2.HorizontalPodAutoscaler, bool) {
	h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok || h.Namespace != w.ns {
		return h, false
	}
	if w.hpaName != "" {
		return h, h.Name == w.hpaName
	}
	return h, w.targets(h)
}

// hpa is the HPA observed now: the named one, or the first by name of
// those that scale the Deployment.
func (w *watcher) hpa() *autoscalingv2.HorizontalPodAutoscaler {
	if w.hpas == nil {
		return nil
	}
	if w.hpaName != "" {
		obj, ok, _ := w.hpas.GetStore().GetByKey(w.ns + "/" + w.hpaName)
		if !ok {
			return nil
		}
		return obj.(*autoscalingv2.HorizontalPodAutoscaler)
	}
	var found []*autoscalingv2.HorizontalPodAutoscaler
	for _, obj := range w.hpas.GetStore().List() {
		if h, ok := w.isHPA(obj); ok {
			found = append(found, h)
		}
	}
	if len(found) == 0 {
		return nil
	}
	return slices.MinFunc(found, func(a, b *autoscalingv2.HorizontalPodAutoscaler) int {
		return strings.Compare(a.Name, b.Name)
	})
}

// cpuCurrent is the average CPU utilisation the HPA last saw, -1 unknown.
func cpuCurrent(h *autoscalingv2.HorizontalPodAutoscaler) int32 {
	for _, m := range h.Status.CurrentMetrics {
		var cur *autoscalingv2.MetricValueStatus
		switch {
		case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU:
			cur = &m.Resource.Current
		case m.Type == autoscalingv2.ContainerResourceMetricSourceType && m.ContainerResource != nil &&
			m.ContainerResource.Name == corev1.ResourceCPU:
			cur = &m.ContainerResource.Current
		}
		if cur != nil && cur.AverageUtilization != nil {
			return *cur.AverageUtilization
		}
	}
	return -1
}

// cpuTarget is the HPA's CPU utilisation target, -1 when it has none.
func cpuTarget(h *autoscalingv2.HorizontalPodAutoscaler) int32 {
	for _, m := range h.Spec.Metrics {
		var t *autoscalingv2.MetricTarget
		switch {
		case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU:
			t = &m.Resource.Target
		case m.Type == autoscalingv2.ContainerResourceMetricSourceType && m.ContainerResource != nil &&
			m.ContainerResource.Name == corev1.ResourceCPU:
			t = &m.ContainerResource.Target
		}
		if t != nil && t.Type == autoscalingv2.UtilizationMetricType && t.AverageUtilization != nil {
			return *t.AverageUtilization
		}
	}
	return -1
}

func percent(v int32) string {
	if v < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d%%", v)
}

func condition(h *autoscalingv2.HorizontalPodAutoscaler, t autoscalingv2.HorizontalPodAutoscalerConditionType) *autoscalingv2.HorizontalPodAutoscalerCondition {
	for i := range h.Status.Conditions {
		if h.Status.Conditions[i].Type == t {
			return &h.Status.Conditions[i]
		}
	}
	return nil
}

// stuck is the HPA's ScalingActive=False condition (it cannot compute a
// scale, e.g. without metrics), or nil.
func stuck(h *autoscalingv2.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscalerCondition {
	if c := condition(h, autoscalingv2.ScalingActive); c != nil && c.Status == corev1.ConditionFalse {
		return c
	}
	return nil
}

// capped is the HPA's ScalingLimited=True condition when it wants more
// than maxReplicas, or nil.
func capped(h *autoscalingv2.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscalerCondition {
	if c := condition(h, autoscalingv2.ScalingLimited); c != nil && c.Status == corev1.ConditionTrue &&
		c.Reason == "TooManyReplicas" {
		return c
	}
	return nil
}

func (w *watcher) hpaAdded(obj any, initial bool) {
	h, ok := w.isHPA(obj)
	if !ok {
		return
	}
	if !initial {
		w.o.event("hpa", fmt.Sprintf("horizontalpodautoscaler %s created (cpu target %s)", h.Name, percent(cpuTarget(h))))
	}
	// Report an HPA that cannot act even when it was so from the start:
	// that explains a run without scaling.
	if c := stuck(h); c != nil {
		w.o.event("hpa", fmt.Sprintf("not scaling: %s: %s", c.Reason, c.Message))
	}
}

func (w *watcher) hpaUpdated(oldObj, newObj any) {
	old, ok1 := w.isHPA(oldObj)
	h, ok2 := w.isHPA(newObj)
	if !ok2 {
		return
	}
	if !ok1 { // it now scales the Deployment
		w.hpaAdded(newObj, false)
		return
	}
	if old.Status.DesiredReplicas != h.Status.DesiredReplicas {
		w.o.event("hpa", fmt.Sprintf("desired %d → %d replicas (cpu %s, target %s)",
			old.Status.DesiredReplicas, h.Status.DesiredReplicas, percent(cpuCurrent(h)), percent(cpuTarget(h))))
	}
	if c := stuck(h); c != nil && stuck(old) == nil {
		w.o.event("hpa", fmt.Sprintf("not scaling: %s: %s", c.Reason, c.Message))
	}
	if c := capped(h); c != nil && capped(old) == nil {
		w.o.event("hpa", fmt.Sprintf("at its maximum of %d replicas: %s", h.Spec.MaxReplicas, c.Message))
	}
}

func (w *watcher) hpaDeleted(obj any) {
	if h, ok := w.isHPA(untomb(obj)); ok {
		w.o.event("hpa", fmt.Sprintf("horizontalpodautoscaler %s deleted", h.Name))
	}
}

// --- core Events ---

// isRescale reports whether obj is a SuccessfulRescale Event of the HPA
// observed.
func (w *watcher) isRescale(obj any) (*corev1.Event, bool) {
	e, ok := obj.(*corev1.Event)
	if !ok || e.Reason != rescaleReason || e.InvolvedObject.Kind != "HorizontalPodAutoscaler" ||
		(e.InvolvedObject.Namespace != "" && e.InvolvedObject.Namespace != w.ns) {
		return e, false
	}
	if w.hpaName != "" {
		return e, e.InvolvedObject.Name == w.hpaName
	}
	h := w.hpa()
	return e, h != nil && h.Name == e.InvolvedObject.Name
}

func (w *watcher) eventAdded(obj any, initial bool) {
	// The initial list holds what happened before the run.
	if e, ok := w.isRescale(obj); ok && !initial {
		w.o.event("hpa", e.Message)
	}
}

func (w *watcher) eventUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Event)
	e, ok2 := w.isRescale(newObj)
	if !ok1 || !ok2 {
		return
	}
	// The same message again: the recorder bumps the count (or series).
	if e.Count != old.Count || !e.LastTimestamp.Equal(&old.LastTimestamp) || seriesCount(e) != seriesCount(old) {
		w.o.event("hpa", e.Message)
	}
}

func seriesCount(e *corev1.Event) int32 {
	if e.Series == nil {
		return 0
	}
	return e.Series.Count
}

// untomb unwraps a deletion whose final state was missed.
func untomb(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}
