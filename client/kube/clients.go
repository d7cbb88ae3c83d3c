package kube

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	appsclient "k8s.io/client-go/kubernetes/typed/apps/v1"
	autoscalingclient "k8s.io/client-go/kubernetes/typed/autoscaling/v2"
	coreclient "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// Client is the part of a Kubernetes clientset the observer uses: the apps,
// core and autoscaling groups. kubernetes.Interface (and its fake) satisfy
// it. The client builds only these three groups, not the whole clientset
// and its informer factories, which would add a dozen megabytes to the
// generator's memory for API groups it never reads.
type Client interface {
	AppsV1() appsclient.AppsV1Interface
	CoreV1() coreclient.CoreV1Interface
	AutoscalingV2() autoscalingclient.AutoscalingV2Interface
}

type groupClients struct {
	apps        *appsclient.AppsV1Client
	core        *coreclient.CoreV1Client
	autoscaling *autoscalingclient.AutoscalingV2Client
}

func (g *groupClients) AppsV1() appsclient.AppsV1Interface { return g.apps }
func (g *groupClients) CoreV1() coreclient.CoreV1Interface { return g.core }
func (g *groupClients) AutoscalingV2() autoscalingclient.AutoscalingV2Interface {
	return g.autoscaling
}

func newClient(rc *rest.Config) (Client, error) {
	httpClient, err := rest.HTTPClientFor(rc)
	if err != nil {
		return nil, err
	}
	var g groupClients
	if g.apps, err = appsclient.NewForConfigAndClient(rc, httpClient); err != nil {
		return nil, err
	}
	if g.core, err = coreclient.NewForConfigAndClient(rc, httpClient); err != nil {
		return nil, err
	}
	if g.autoscaling, err = autoscalingclient.NewForConfigAndClient(rc, httpClient); err != nil {
		return nil, err
	}
	return &g, nil
}

// lister is what a typed List/Watch pair looks like.
type lister[L runtime.Object] interface {
	List(context.Context, metav1.ListOptions) (L, error)
	Watch(context.Context, metav1.ListOptions) (watch.Interface, error)
}

// newInformer is what client-go's generated informers do, for one typed
// resource: list and watch with opts applied, no resync, and streaming
// watch-list only where client supports it (fakes do not).
func newInformer[L runtime.Object](client Client, c lister[L], example runtime.Object, opts func(*metav1.ListOptions)) cache.SharedIndexInformer {
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

var (
	_ lister[*appsv1.DeploymentList]                     = appsclient.DeploymentInterface(nil)
	_ lister[*corev1.PodList]                            = coreclient.PodInterface(nil)
	_ lister[*corev1.EventList]                          = coreclient.EventInterface(nil)
	_ lister[*autoscalingv2.HorizontalPodAutoscalerList] = autoscalingclient.HorizontalPodAutoscalerInterface(nil)
)
