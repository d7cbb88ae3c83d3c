package program

import (
	"math"
	"strconv"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The app's port name, used by the probes and the Service's targetPort.
const portName = "http"

// runAs is the distroless "nonroot" user and group the image runs as.
const runAs = 65532

// terminationSlack is the time kept beyond the app's own drain before the
// kubelet sends SIGKILL.
const terminationSlack = 5

// terminationGracePeriod covers the app's whole drain (readiness 503 for
// drainDelay, then gracePeriod for in-flight requests) plus slack, in whole
// seconds rounded up.
func terminationGracePeriod(cfg Config) int {
	return int(math.Ceil((cfg.DrainDelay + cfg.GracePeriod).Seconds())) + terminationSlack
}

// appEnv is the app's environment (app/hello/main.go reads it).
func appEnv(cfg Config) corev1.EnvVarArray {
	env := corev1.EnvVarArray{
		corev1.EnvVarArgs{Name: pulumi.String("PORT"), Value: pulumi.String(strconv.Itoa(cfg.Port))},
		corev1.EnvVarArgs{Name: pulumi.String("DRAIN_DELAY"), Value: pulumi.String(cfg.DrainDelay.String())},
		corev1.EnvVarArgs{Name: pulumi.String("GRACE_PERIOD"), Value: pulumi.String(cfg.GracePeriod.String())},
	}
	if cfg.WorkCPU > 0 {
		env = append(env, corev1.EnvVarArgs{Name: pulumi.String("WORK_CPU"), Value: pulumi.String(cfg.WorkCPU.String())})
	}
	if cfg.WorkDelay > 0 {
		env = append(env, corev1.EnvVarArgs{Name: pulumi.String("WORK_DELAY"), Value: pulumi.String(cfg.WorkDelay.String())})
	}
	return env
}

// podSecurityContext and containerSecurityContext are the restricted pod
// security profile every pod of the program runs under (the app's and the
// load generator's): non-root as the distroless nonroot user, the runtime's
// seccomp profile, no privilege escalation, no capabilities, a read-only
// root filesystem.
func podSecurityContext() *corev1.PodSecurityContextArgs {
	return &corev1.PodSecurityContextArgs{
		RunAsNonRoot:   pulumi.Bool(true),
		RunAsUser:      pulumi.Int(runAs),
		RunAsGroup:     pulumi.Int(runAs),
		SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

func containerSecurityContext() *corev1.SecurityContextArgs {
	return &corev1.SecurityContextArgs{
		AllowPrivilegeEscalation: pulumi.Bool(false),
		ReadOnlyRootFilesystem:   pulumi.Bool(true),
		RunAsNonRoot:             pulumi.Bool(true),
		Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
	}
}

// newDeployment runs the app: probes on /readyz and /healthz, requests and
// limits (the HPA's utilisation is relative to the CPU request), the
// restricted pod security profile, and a termination grace period that
// covers the app's drain.
//
// Replicas and the HPA: spec.replicas is set on create only. Once the HPA
// has scaled the Deployment, kube-controller-manager owns .spec.replicas
// (an Update through the scale subresource takes the field from every
// other manager), and re-applying our 3 with server-side apply fails with
// "conflict with kube-controller-manager with subresource scale: .spec.replicas"
// (pulumi-kubernetes #2491, #2569). We use pulumi.IgnoreChanges on
// spec.replicas, because for SSA the provider then drops the field from the
// apply patch whenever another manager owns it and we do not, and sends the
// live value otherwise (handleSSAIgnoreFields in provider/pkg/await/await.go,
// pulumi-kubernetes PR #2566, refined in #2828; present in the provider
// snapshot this repo builds). So a second `pulumi up` after scaling neither
// conflicts nor resets the replica count, and the diff ignores it too.
// Rejected: the pulumi.com/patchForce annotation (it would force our 3 back
// on every up, halving a scaled-out Deployment under load) and omitting
// replicas (the Deployment would start at 1 pod until the HPA's first sync).
// Consequence: changing `replicas` later has no effect; the HPA's
// minReplicas/maxReplicas are the knobs after creation.
func newDeployment(ctx *pulumi.Context, cfg Config, ns pulumi.StringInput, img *image) (*appsv1.Deployment, error) {
	labels := pulumi.ToStringMap(resourceLabels(ctx))
	probe := func(path string, period, failures int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{
			HttpGet: &corev1.HTTPGetActionArgs{
				Path: pulumi.String(path),
				Port: pulumi.String(portName),
			},
			PeriodSeconds:    pulumi.Int(period),
			FailureThreshold: pulumi.Int(failures),
			TimeoutSeconds:   pulumi.Int(1),
		}
	}
	container := corev1.ContainerArgs{
		Name:            pulumi.String("app"),
		Image:           img.Ref,
		ImagePullPolicy: pulumi.String("IfNotPresent"),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
			Name:          pulumi.String(portName),
			ContainerPort: pulumi.Int(cfg.Port),
			Protocol:      pulumi.String("TCP"),
		}},
		Env:       appEnv(cfg),
		Resources: containerResources(cfg.Resources),
		// Out of the Service within 2 failed checks 2s apart.
		ReadinessProbe:  probe("/readyz", 2, 2),
		LivenessProbe:   probe("/healthz", 10, 3),
		SecurityContext: containerSecurityContext(),
	}
	return appsv1.NewDeployment(ctx, "cloudperf", &appsv1.DeploymentArgs{
		Metadata: &metav1.ObjectMetaArgs{Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(cfg.Replicas),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(selectorLabels(ctx))},
			// Roll without losing capacity: a new pod must be ready before
			// an old one goes, which load tests across a rollout rely on.
			Strategy: &appsv1.DeploymentStrategyArgs{
				Type: pulumi.String("RollingUpdate"),
				RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{
					MaxSurge:       pulumi.String("25%"),
					MaxUnavailable: pulumi.Int(0),
				},
			},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: labels},
				Spec: &corev1.PodSpecArgs{
					AutomountServiceAccountToken:  pulumi.Bool(false),
					TerminationGracePeriodSeconds: pulumi.Int(terminationGracePeriod(cfg)),
					SecurityContext:               podSecurityContext(),
					Containers:                    corev1.ContainerArray{container},
				},
			},
		},
	}, pulumi.IgnoreChanges([]string{"spec.replicas"}))
}

// containerResources are a container's requests and limits: the app's
// (resources.*) or the load generator's (loadgen.resources.*).
func containerResources(res ResourcesConfig) *corev1.ResourceRequirementsArgs {
	return &corev1.ResourceRequirementsArgs{
		Requests: pulumi.StringMap{"cpu": pulumi.String(res.CPURequest), "memory": pulumi.String(res.MemoryRequest)},
		Limits:   pulumi.StringMap{"cpu": pulumi.String(res.CPULimit), "memory": pulumi.String(res.MemoryLimit)},
	}
}
