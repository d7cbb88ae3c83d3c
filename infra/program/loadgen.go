package program

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The load generator's Dockerfile, relative to the project root.
const loadgenDockerfile = "client/Dockerfile"

const (
	// maxLoadgenPods bounds loadgen.parallelism.
	maxLoadgenPods = 100
	// maxLoadgenDuration and maxPodRate are the client's own limits
	// (client/plan MaxStageDuration and MaxRate).
	maxLoadgenDuration = 1000 * time.Hour
	maxPodRate         = 10_000_000
	// loadgenDeadlineSlack is added to loadgen.duration for the Job's
	// activeDeadlineSeconds: scheduling the pods, pulling the image, the
	// client's wait for requests in flight (its --timeout) and a warm-up
	// given in extraArgs.
	loadgenDeadlineSlack = 5 * time.Minute
	// loadgenTTL keeps a finished Job and its pods (and so their logs) this
	// long before Kubernetes deletes them.
	loadgenTTL = time.Hour
)

// The client flags the program sets itself, which loadgen.extraArgs must not.
var loadgenReservedFlags = []string{
	"url", "local", "from-stack", "project-dir", "path", "rate", "duration", "stages",
	"format", "out", "report", "force", "quiet", "no-observe", "deployment", "kubeconfig", "context", "namespace", "hpa",
}

// Enabled reports whether the program runs the load generator.
func (lg LoadgenConfig) Enabled() bool { return lg.Parallelism > 0 }

// PodRate is the request rate of one pod.
func (lg LoadgenConfig) PodRate() float64 { return lg.Rate / float64(lg.Parallelism) }

// problems lists what is wrong with the loadgen settings, each naming its
// key. app is the service's image config, whose context, platform and
// registry a built client image shares.
func (lg LoadgenConfig) problems(app ImageConfig) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	k := qualified

	if lg.Parallelism < 0 || lg.Parallelism > maxLoadgenPods {
		add("%s (%d) must be from 0 (no load generator) to %d pods", k(KeyLoadgenParallelism), lg.Parallelism, maxLoadgenPods)
	}
	if lg.Duration <= 0 || lg.Duration > maxLoadgenDuration {
		add("%s (%v) must be above 0 and at most %v", k(KeyLoadgenDuration), lg.Duration, maxLoadgenDuration)
	}
	// Checked like the app's resources, whether or not the Job runs.
	errs = append(errs, checkResources(lg.Resources, KeyLoadgenCPURequest, KeyLoadgenCPULimit, KeyLoadgenMemoryRequest, KeyLoadgenMemoryLimit)...)
	if !lg.Enabled() {
		return errs
	}
	switch {
	case !(lg.Rate > 0):
		add("%s (%g) must be above 0 when %s is %d: it is the total request rate the pods share",
			k(KeyLoadgenRate), lg.Rate, k(KeyLoadgenParallelism), lg.Parallelism)
	case lg.PodRate() > maxPodRate:
		add("%s (%g) is %g requests per second per pod, above the client's %d", k(KeyLoadgenRate), lg.Rate, lg.PodRate(), maxPodRate)
	}
	if _, err := url.ParseRequestURI(lg.Path); err != nil || !strings.HasPrefix(lg.Path, "/") || strings.ContainsAny(lg.Path, " \t\r\n#") {
		add("%s (%q) must be a path and optional query, like / or /?cpu=2ms", k(KeyLoadgenPath), lg.Path)
	}
	for _, arg := range lg.ExtraArgs {
		name, ok := strings.CutPrefix(arg, "--")
		if !ok {
			name, ok = strings.CutPrefix(arg, "-")
		}
		name, _, _ = strings.Cut(name, "=")
		if ok {
			for _, r := range loadgenReservedFlags {
				if name == r {
					add("%s sets %s, which the program sets itself (use %s, %s, %s)", k(KeyLoadgenExtraArgs), arg,
						k(KeyLoadgenRate), k(KeyLoadgenDuration), k(KeyLoadgenPath))
				}
			}
		}
	}

	img := lg.Image
	if img.Build {
		switch {
		case img.Name == "":
			add("%s must not be empty when %s is true", k(KeyLoadgenImageName), k(KeyLoadgenImageBuild))
		case !repositoryRE.MatchString(img.Name):
			add("%s (%q) must be a repository name without tag, like cloudperf-client", k(KeyLoadgenImageName), img.Name)
		}
		if img.Ref != "" {
			add("%s (%q) is only used when %s is false; unset one of them", k(KeyLoadgenImageRef), img.Ref, k(KeyLoadgenImageBuild))
		}
		if !app.Build { // else the app's checks covered these
			if app.Context == "" {
				add("%s must not be empty when %s is true", k(KeyImageContext), k(KeyLoadgenImageBuild))
			}
			if !platformRE.MatchString(app.Platform) {
				add("%s (%q) must be an OS/architecture like linux/amd64", k(KeyImagePlatform), app.Platform)
			}
		}
	} else if img.Ref == "" {
		add("%s must be set when %s is false: it names the client image to run", k(KeyLoadgenImageRef), k(KeyLoadgenImageBuild))
	} else if strings.ContainsAny(img.Ref, " \t\n") {
		add("%s (%q) must be an image reference without spaces", k(KeyLoadgenImageRef), img.Ref)
	}
	return errs
}

// loadgenImage is the client's image: client/Dockerfile built the way the
// app's image is (same context, platform, push and registry), or
// loadgen.image.ref.
func loadgenImage(cfg Config) imageSpec {
	ic := cfg.Image
	lg := cfg.Loadgen.Image
	ic.Build, ic.Name, ic.Ref, ic.Dockerfile = lg.Build, lg.Name, lg.Ref, loadgenDockerfile
	return imageSpec{resourceName: loadgenImageResourceName, cfg: ic, dockerfileKey: KeyLoadgenImageBuild}
}

// loadgenLabels mark the load generator's Job and pods: the app's labels
// with component loadgen, so neither the Service nor the PDB selects them.
func loadgenLabels(ctx *pulumi.Context) map[string]string {
	l := resourceLabels(ctx)
	l[LabelComponent] = "loadgen"
	return l
}

// loadgenArgs are the client's arguments in each pod: the Service by its
// ClusterIP, the pod's share of the rate, JSON summary on stdout for
// `client merge`, no log file (the root filesystem is read-only), no live
// progress and no cluster watching (the pod has no API access).
func loadgenArgs(cfg Config, target pulumi.StringOutput) pulumi.StringArray {
	lg := cfg.Loadgen
	args := pulumi.StringArray{
		pulumi.String("--url"), target,
		pulumi.String("--rate"), pulumi.String(strconv.FormatFloat(lg.PodRate(), 'g', -1, 64)),
		pulumi.String("--duration"), pulumi.String(lg.Duration.String()),
		pulumi.String("--format"), pulumi.String("json"),
		pulumi.String("--out="),
		pulumi.String("--quiet"),
		pulumi.String("--no-observe"),
	}
	for _, a := range lg.ExtraArgs {
		args = append(args, pulumi.String(a))
	}
	return args
}

// newLoadgen runs the load generator inside the cluster, for loads one
// machine cannot send: a batch/v1 Indexed Job of loadgen.parallelism pods,
// all started together, each running the client (client/Dockerfile) at
// loadgen.rate / parallelism against the Service's ClusterIP for
// loadgen.duration. The ClusterIP, not the Service's DNS name: kube-proxy
// routes it on every cluster, while a DNS name needs a cluster DNS add-on
// (minikube has CoreDNS; the e2e node has none), and the Job depends on the
// Service, so the address is known and fixed for the Service's life. Each pod prints its JSON summary; `client merge`
// combines them exactly (client/results/merge.go).
//
//   - It depends on the Deployment and the Service: the Deployment is ready
//     (pulumi-kubernetes awaits its rollout) before any pod sends.
//   - pulumi.com/skipAwait: "true": pulumi-kubernetes otherwise awaits a
//     Job's completion (provider pkg/await/job.go), so `pulumi up` would block
//     for the whole load; with it, the provider's ReadyCondition and
//     DeletedCondition are immediate (pkg/metadata/overrides.go), and the
//     run is followed with kubectl wait --for=condition=complete.
//   - Replaced, never updated, and deleted before its replacement is
//     created: a Job's pod template, completions and parallelism are
//     immutable (the provider replaces on those already), and any other
//     change of spec (duration, deadline) means a new run too; deleting
//     first keeps two runs from loading the service at once.
//   - backoffLimit 0 and restartPolicy Never: a failed pod is not retried,
//     which would send its share twice; its summary is in its log.
//   - ttlSecondsAfterFinished: the finished Job and its pods (their logs)
//     are kept for an hour, then deleted by Kubernetes. A later
//     `pulumi refresh` (or up --refresh) then finds it gone and the next
//     `pulumi up` runs the load again.
//   - activeDeadlineSeconds: duration plus loadgenDeadlineSlack, so a stuck
//     run cannot hold the Job forever.
func newLoadgen(ctx *pulumi.Context, cfg Config, ns pulumi.StringOutput, dep *appsv1.Deployment, svc *corev1.Service) (*batchv1.Job, error) {
	lg := cfg.Loadgen
	img, err := newImage(ctx, loadgenImage(cfg))
	if err != nil {
		return nil, err
	}
	target := pulumi.Sprintf("http://%s:%d%s", svc.Spec.ClusterIP().Elem(), cfg.Port, lg.Path)
	labels := pulumi.ToStringMap(loadgenLabels(ctx))
	pods := pulumi.Int(lg.Parallelism)
	deadline := int(math.Ceil((lg.Duration + loadgenDeadlineSlack).Seconds()))

	opts := []pulumi.ResourceOption{
		pulumi.DependsOn([]pulumi.Resource{dep, svc}),
		pulumi.ReplaceOnChanges([]string{"spec"}),
		pulumi.DeleteBeforeReplace(true),
	}
	return batchv1.NewJob(ctx, "cloudperf-loadgen", &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Namespace:   ns,
			Labels:      labels,
			Annotations: pulumi.StringMap{"pulumi.com/skipAwait": pulumi.String("true")},
		},
		Spec: batchv1.JobSpecArgs{
			CompletionMode:          pulumi.String("Indexed"),
			Completions:             pods,
			Parallelism:             pods,
			BackoffLimit:            pulumi.Int(0),
			TtlSecondsAfterFinished: pulumi.Int(int(loadgenTTL.Seconds())),
			ActiveDeadlineSeconds:   pulumi.Int(deadline),
			Template: corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: labels},
				Spec: &corev1.PodSpecArgs{
					RestartPolicy:                pulumi.String("Never"),
					AutomountServiceAccountToken: pulumi.Bool(false),
					SecurityContext:              podSecurityContext(),
					// The root filesystem is read-only: a long run keeps its
					// per-second histograms in a temporary file, here.
					Volumes: corev1.VolumeArray{corev1.VolumeArgs{
						Name: pulumi.String("tmp"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{},
					}},
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:            pulumi.String("loadgen"),
						Image:           img.Ref,
						ImagePullPolicy: pulumi.String("IfNotPresent"),
						Args:            loadgenArgs(cfg, target),
						// loadgen.resources.* (defaults in DefaultConfig).
						Resources:       containerResources(lg.Resources),
						SecurityContext: containerSecurityContext(),
						VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
							Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp"),
						}},
					}},
				},
			},
		},
	}, opts...)
}
