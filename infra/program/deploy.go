package program

import (
	"net"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Outputs are what a deployment gives its users: the load generator's
// endpoint and the names a watcher needs.
type Outputs struct {
	// Endpoint is http://<nodeAddress>:<nodePort>.
	Endpoint pulumi.StringOutput
	// NodePort is the Service's node port, allocated or pinned.
	NodePort       pulumi.IntOutput
	Namespace      pulumi.StringOutput
	DeploymentName pulumi.StringOutput
	ServiceName    pulumi.StringOutput
	HPAName        pulumi.StringOutput
	// Image is the image reference the pods run.
	Image pulumi.StringOutput
	// LoadgenJob is the load generator Job's name; the zero StringOutput
	// when loadgen.parallelism is 0 and there is no Job.
	LoadgenJob pulumi.StringOutput
}

// Deploy validates cfg and registers the stack's resources: the namespace
// (if created), the image (if built), the Deployment, its NodePort Service,
// the HPA, the PodDisruptionBudget and, with loadgen.parallelism, the load
// generator's Job (and its image, if built). It returns their outputs; Run
// exports them.
func Deploy(ctx *pulumi.Context, cfg Config) (*Outputs, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ns, err := newNamespace(ctx, cfg)
	if err != nil {
		return nil, err
	}
	img, err := newImage(ctx, appImage(cfg))
	if err != nil {
		return nil, err
	}
	dep, err := newDeployment(ctx, cfg, ns, img)
	if err != nil {
		return nil, err
	}
	svc, err := newService(ctx, cfg, ns)
	if err != nil {
		return nil, err
	}
	hpa, err := newAutoscaler(ctx, cfg, ns, dep)
	if err != nil {
		return nil, err
	}
	if _, err := newDisruptionBudget(ctx, ns); err != nil {
		return nil, err
	}
	var loadgenJob pulumi.StringOutput
	if cfg.Loadgen.Enabled() {
		job, err := newLoadgen(ctx, cfg, ns, dep, svc)
		if err != nil {
			return nil, err
		}
		loadgenJob = job.Metadata.Name().Elem()
	}

	nodePort := svc.Spec.Ports().Index(pulumi.Int(0)).NodePort().Elem()
	addr := cfg.NodeAddress
	return &Outputs{
		Endpoint: nodePort.ApplyT(func(p int) string {
			return "http://" + net.JoinHostPort(addr, strconv.Itoa(p))
		}).(pulumi.StringOutput),
		NodePort:       nodePort,
		Namespace:      ns,
		DeploymentName: dep.Metadata.Name().Elem(),
		ServiceName:    svc.Metadata.Name().Elem(),
		HPAName:        hpa.Metadata.Name().Elem(),
		Image:          img.Ref,
		LoadgenJob:     loadgenJob,
	}, nil
}
