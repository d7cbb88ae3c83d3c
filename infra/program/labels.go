package program

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Label keys, the Kubernetes recommended ones.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
	LabelManagedBy = "app.kubernetes.io/managed-by"
)

// selectorLabels pick this stack's pods: name, component and the stack as
// instance, so two stacks sharing a namespace (a dev stack and the e2e)
// never select each other's pods. Selectors are immutable: keep them stable.
func selectorLabels(ctx *pulumi.Context) map[string]string {
	return map[string]string{
		LabelName:      "cloudperf",
		LabelInstance:  ctx.Stack(),
		LabelComponent: "app",
	}
}

// resourceLabels are the selector labels plus managed-by, on every object
// and on the pod template.
func resourceLabels(ctx *pulumi.Context) map[string]string {
	l := selectorLabels(ctx)
	l[LabelManagedBy] = "pulumi"
	return l
}
