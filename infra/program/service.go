package program

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newService exposes the pods on every node's NodePort: port → the
// container's "http" port. nodePort 0 lets Kubernetes allocate one; the
// allocated port is an output (Outputs.NodePort).
func newService(ctx *pulumi.Context, cfg Config, ns pulumi.StringInput) (*corev1.Service, error) {
	port := corev1.ServicePortArgs{
		Name:       pulumi.String(portName),
		Protocol:   pulumi.String("TCP"),
		Port:       pulumi.Int(cfg.Port),
		TargetPort: pulumi.String(portName),
	}
	if cfg.NodePort != 0 {
		port.NodePort = pulumi.Int(cfg.NodePort)
	}
	return corev1.NewService(ctx, "cloudperf", &corev1.ServiceArgs{
		Metadata: &metav1.ObjectMetaArgs{Namespace: ns, Labels: pulumi.ToStringMap(resourceLabels(ctx))},
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("NodePort"),
			Selector: pulumi.ToStringMap(selectorLabels(ctx)),
			Ports:    corev1.ServicePortArray{port},
		},
	})
}
