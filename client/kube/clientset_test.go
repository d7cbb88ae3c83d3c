package kube

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/watchlist"
)

// clientset adapts a client-go clientset (the tests' fake) to Client, and
// passes on whether it supports streaming watch-lists (fakes do not).
type clientset struct{ kubernetes.Interface }

func withClientset(c kubernetes.Interface) Option { return WithClient(clientset{c}) }

func (c clientset) Deployments(ns string) Resource[*appsv1.Deployment, *appsv1.DeploymentList] {
	return c.AppsV1().Deployments(ns)
}

func (c clientset) Pods(ns string) Resource[*corev1.Pod, *corev1.PodList] {
	return c.CoreV1().Pods(ns)
}

func (c clientset) Events(ns string) Resource[*corev1.Event, *corev1.EventList] {
	return c.CoreV1().Events(ns)
}

func (c clientset) HorizontalPodAutoscalers(ns string) Resource[*autoscalingv2.HorizontalPodAutoscaler, *autoscalingv2.HorizontalPodAutoscalerList] {
	return c.AutoscalingV2().HorizontalPodAutoscalers(ns)
}

func (c clientset) IsWatchListSemanticsUnSupported() bool {
	return watchlist.DoesClientNotSupportWatchListSemantics(c.Interface)
}
