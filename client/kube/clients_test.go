package kube

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
)

// The client built from a kubeconfig asks the API server for each kind at
// its group's path, passes list options as query parameters, and decodes
// the answers with its own scheme.
func TestRESTClientPathsAndDecoding(t *testing.T) {
	const ns = "shop"
	answers := map[string]runtime.Object{
		"/apis/apps/v1/namespaces/shop/deployments/web": &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: metav1.ObjectMeta{Name: "web"}},
		"/apis/apps/v1/namespaces/shop/deployments":     &appsv1.DeploymentList{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DeploymentList"}, Items: []appsv1.Deployment{{ObjectMeta: metav1.ObjectMeta{Name: "web"}}}},
		"/api/v1/namespaces/shop/pods":                  &corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}, Items: []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "web-1"}}}},
		"/api/v1/namespaces/shop/events":                &corev1.EventList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "EventList"}, Items: []corev1.Event{{ObjectMeta: metav1.ObjectMeta{Name: "web.1"}}}},
		"/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers": &autoscalingv2.HorizontalPodAutoscalerList{
			TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscalerList"},
			Items:    []autoscalingv2.HorizontalPodAutoscaler{{ObjectMeta: metav1.ObjectMeta{Name: "web"}}}},
	}
	var mu sync.Mutex
	queries := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obj, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		queries[r.URL.Path] = r.URL.Query().Get("labelSelector")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(obj)
	}))
	defer srv.Close()
	c, err := newClient(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lo := metav1.ListOptions{LabelSelector: "app=web"}
	name := func(items int, first string, err error) string {
		if err != nil {
			t.Error(err)
		}
		if items != 1 {
			t.Errorf("%d items, want 1", items)
		}
		return first
	}
	for _, tt := range []struct {
		what, path, want string
		got              func() string
	}{
		{"get deployment", "/apis/apps/v1/namespaces/shop/deployments/web", "web", func() string {
			d, err := c.Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			return name(1, d.Name, err)
		}},
		{"list deployments", "/apis/apps/v1/namespaces/shop/deployments", "web", func() string {
			l, err := c.Deployments(ns).List(ctx, lo)
			return name(len(l.Items), l.Items[0].Name, err)
		}},
		{"list pods", "/api/v1/namespaces/shop/pods", "web-1", func() string {
			l, err := c.Pods(ns).List(ctx, lo)
			return name(len(l.Items), l.Items[0].Name, err)
		}},
		{"list events", "/api/v1/namespaces/shop/events", "web.1", func() string {
			l, err := c.Events(ns).List(ctx, lo)
			return name(len(l.Items), l.Items[0].Name, err)
		}},
		{"list hpas", "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers", "web", func() string {
			l, err := c.HorizontalPodAutoscalers(ns).List(ctx, lo)
			return name(len(l.Items), l.Items[0].Name, err)
		}},
	} {
		t.Run(tt.what, func(t *testing.T) {
			if got := tt.got(); got != tt.want {
				t.Errorf("name %q, want %q", got, tt.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.what != "get deployment" && queries[tt.path] != "app=web" {
				t.Errorf("labelSelector %q at %s, want app=web", queries[tt.path], tt.path)
			}
		})
	}
}
