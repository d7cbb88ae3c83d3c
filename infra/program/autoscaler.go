package program

import (
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newAutoscaler scales the Deployment on average CPU utilisation (percent
// of the CPU request) between hpa.minReplicas and hpa.maxReplicas.
//
// Behaviour: scale up fast (no stabilisation; per 15s, double or add 4
// pods, whichever is more: the Kubernetes default), scale down slowly
// (hpa.scaleDownStabilizationSeconds of low load first, then at most half
// the pods per 30s), so a bursty load test does not make the pod count
// flap.
func newAutoscaler(ctx *pulumi.Context, cfg Config, ns pulumi.StringInput, dep *appsv1.Deployment) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	policy := func(kind string, value, period int) autoscalingv2.HPAScalingPolicyArgs {
		return autoscalingv2.HPAScalingPolicyArgs{
			Type: pulumi.String(kind), Value: pulumi.Int(value), PeriodSeconds: pulumi.Int(period),
		}
	}
	return autoscalingv2.NewHorizontalPodAutoscaler(ctx, "cloudperf", &autoscalingv2.HorizontalPodAutoscalerArgs{
		Metadata: &metav1.ObjectMetaArgs{Namespace: ns, Labels: pulumi.ToStringMap(resourceLabels(ctx))},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpecArgs{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReferenceArgs{
				ApiVersion: pulumi.String("apps/v1"),
				Kind:       pulumi.String("Deployment"),
				Name:       dep.Metadata.Name().Elem(),
			},
			MinReplicas: pulumi.Int(cfg.HPA.MinReplicas),
			MaxReplicas: pulumi.Int(cfg.HPA.MaxReplicas),
			Metrics: autoscalingv2.MetricSpecArray{autoscalingv2.MetricSpecArgs{
				Type: pulumi.String("Resource"),
				Resource: &autoscalingv2.ResourceMetricSourceArgs{
					Name: pulumi.String("cpu"),
					Target: autoscalingv2.MetricTargetArgs{
						Type:               pulumi.String("Utilization"),
						AverageUtilization: pulumi.Int(cfg.HPA.CPUUtilization),
					},
				},
			}},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehaviorArgs{
				ScaleUp: &autoscalingv2.HPAScalingRulesArgs{
					StabilizationWindowSeconds: pulumi.Int(0),
					SelectPolicy:               pulumi.String("Max"),
					Policies: autoscalingv2.HPAScalingPolicyArray{
						policy("Percent", 100, 15),
						policy("Pods", 4, 15),
					},
				},
				ScaleDown: &autoscalingv2.HPAScalingRulesArgs{
					StabilizationWindowSeconds: pulumi.Int(cfg.HPA.ScaleDownStabilizationSeconds),
					SelectPolicy:               pulumi.String("Max"),
					Policies: autoscalingv2.HPAScalingPolicyArray{
						policy("Percent", 50, 30),
					},
				},
			},
		},
	})
}

// newDisruptionBudget lets voluntary disruptions (node drains, cluster
// upgrades) take at most one pod at a time. maxUnavailable rather than
// minAvailable: it keeps its meaning whatever size the HPA has chosen,
// where minAvailable 1 would let a drain take 9 of 10 pods at once.
// Unhealthy pods may always be evicted, so a crash-looping pod never blocks
// a drain.
func newDisruptionBudget(ctx *pulumi.Context, ns pulumi.StringInput) (*policyv1.PodDisruptionBudget, error) {
	return policyv1.NewPodDisruptionBudget(ctx, "cloudperf", &policyv1.PodDisruptionBudgetArgs{
		Metadata: &metav1.ObjectMetaArgs{Namespace: ns, Labels: pulumi.ToStringMap(resourceLabels(ctx))},
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{
			MaxUnavailable:             pulumi.Int(1),
			Selector:                   &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(selectorLabels(ctx))},
			UnhealthyPodEvictionPolicy: pulumi.String("AlwaysAllow"),
		},
	})
}
