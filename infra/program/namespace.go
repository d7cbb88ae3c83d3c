package program

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newNamespace returns the namespace the other resources go into. With
// createNamespace it is a resource of this stack, named exactly
// cfg.Namespace and labelled with namespaceLabels (the e2e uses
// pod-security.kubernetes.io/enforce=restricted to prove the pods pass the
// restricted profile); using its output makes every resource depend on it.
func newNamespace(ctx *pulumi.Context, cfg Config) (pulumi.StringOutput, error) {
	if !cfg.CreateNamespace {
		return pulumi.String(cfg.Namespace).ToStringOutput(), nil
	}
	ns, err := corev1.NewNamespace(ctx, cfg.Namespace, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:   pulumi.String(cfg.Namespace),
			Labels: pulumi.ToStringMap(cfg.NamespaceLabels),
		},
	})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return ns.Metadata.Name().Elem(), nil
}
