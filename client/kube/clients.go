package kube

import (
	"context"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// Client reads the four kinds the observer watches. It does not use
// client-go's typed clientsets: those link k8s.io/client-go/kubernetes/scheme,
// whose package init registers every API group (about 55) and, with the apply
// configurations they bring, adds some 8 MiB to the resident memory of every
// run of the generator, watching or not. Its scheme holds only these kinds.
type Client interface {
	Deployments(ns string) Resource[*appsv1.Deployment, *appsv1.DeploymentList]
	Pods(ns string) Resource[*corev1.Pod, *corev1.PodList]
	Events(ns string) Resource[*corev1.Event, *corev1.EventList]
	HorizontalPodAutoscalers(ns string) Resource[*autoscalingv2.HorizontalPodAutoscaler, *autoscalingv2.HorizontalPodAutoscalerList]
}

// Resource is the part of a typed client the observer uses; client-go's
// typed interfaces (and their fakes) satisfy it.
type Resource[T, L runtime.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// restClients builds requests the way client-go's generated clients do
// (protobuf preferred, options encoded by the scheme's parameter codec).
type restClients struct {
	apps, core, autoscaling rest.Interface
	params                  runtime.ParameterCodec
}

func newClient(rc *rest.Config) (Client, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{appsv1.AddToScheme, corev1.AddToScheme, autoscalingv2.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	codecs := serializer.NewCodecFactory(scheme)
	httpClient, err := rest.HTTPClientFor(rc)
	if err != nil {
		return nil, err
	}
	group := func(gv schema.GroupVersion, apiPath string) (rest.Interface, error) {
		c := rest.CopyConfig(rc)
		c.GroupVersion, c.APIPath = &gv, apiPath
		c.NegotiatedSerializer = rest.CodecFactoryForGeneratedClient(scheme, codecs).WithoutConversion()
		if c.UserAgent == "" {
			c.UserAgent = rest.DefaultKubernetesUserAgent()
		}
		return rest.RESTClientForConfigAndClient(c, httpClient)
	}
	r := &restClients{params: runtime.NewParameterCodec(scheme)}
	if r.apps, err = group(appsv1.SchemeGroupVersion, "/apis"); err != nil {
		return nil, err
	}
	if r.core, err = group(corev1.SchemeGroupVersion, "/api"); err != nil {
		return nil, err
	}
	if r.autoscaling, err = group(autoscalingv2.SchemeGroupVersion, "/apis"); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *restClients) Deployments(ns string) Resource[*appsv1.Deployment, *appsv1.DeploymentList] {
	return &restResource[*appsv1.Deployment, *appsv1.DeploymentList]{r.apps, r.params, ns, "deployments"}
}

func (r *restClients) Pods(ns string) Resource[*corev1.Pod, *corev1.PodList] {
	return &restResource[*corev1.Pod, *corev1.PodList]{r.core, r.params, ns, "pods"}
}

func (r *restClients) Events(ns string) Resource[*corev1.Event, *corev1.EventList] {
	return &restResource[*corev1.Event, *corev1.EventList]{r.core, r.params, ns, "events"}
}

func (r *restClients) HorizontalPodAutoscalers(ns string) Resource[*autoscalingv2.HorizontalPodAutoscaler, *autoscalingv2.HorizontalPodAutoscalerList] {
	return &restResource[*autoscalingv2.HorizontalPodAutoscaler, *autoscalingv2.HorizontalPodAutoscalerList]{r.autoscaling, r.params, ns, "horizontalpodautoscalers"}
}

// restResource is client-go's gentype.Client for one namespaced kind,
// without gentype, which links client-go/testing (the fakes' object
// tracker, managed fields, OpenAPI) into the generator.
type restResource[T, L runtime.Object] struct {
	client   rest.Interface
	params   runtime.ParameterCodec
	ns, kind string
}

func (r *restResource[T, L]) Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error) {
	obj := newObject[T]()
	err := r.client.Get().UseProtobufAsDefaultIfPreferred(true).Namespace(r.ns).Resource(r.kind).Name(name).
		VersionedParams(&opts, r.params).Do(ctx).Into(obj)
	return obj, err
}

func (r *restResource[T, L]) List(ctx context.Context, opts metav1.ListOptions) (L, error) {
	list := newObject[L]()
	err := r.client.Get().UseProtobufAsDefaultIfPreferred(true).Namespace(r.ns).Resource(r.kind).
		VersionedParams(&opts, r.params).Timeout(timeout(opts)).Do(ctx).Into(list)
	return list, err
}

func (r *restResource[T, L]) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	return r.client.Get().UseProtobufAsDefaultIfPreferred(true).Namespace(r.ns).Resource(r.kind).
		VersionedParams(&opts, r.params).Timeout(timeout(opts)).Watch(ctx)
}

func timeout(opts metav1.ListOptions) time.Duration {
	if opts.TimeoutSeconds == nil {
		return 0
	}
	return time.Duration(*opts.TimeoutSeconds) * time.Second
}

// newObject is a new *X for a pointer type T = *X.
func newObject[T runtime.Object]() T {
	var zero T
	return reflect.New(reflect.TypeOf(zero).Elem()).Interface().(T)
}

// newInformer is what client-go's generated informers do, for one typed
// resource: list and watch with opts applied, no resync, and streaming
// watch-list only where client supports it (fakes do not).
func newInformer[T, L runtime.Object](client Client, c Resource[T, L], example runtime.Object, opts func(*metav1.ListOptions)) cache.SharedIndexInformer {
	return cache.NewSharedIndexInformer(cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			opts(&lo)
			return c.List(ctx, lo)
		},
		WatchFuncWithContext: func(ctx context.Context, lo metav1.ListOptions) (watch.Interface, error) {
			opts(&lo)
			return c.Watch(ctx, lo)
		},
	}, client), example, 0, cache.Indexers{})
}
