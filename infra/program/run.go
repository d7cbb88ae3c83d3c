package program

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Stack output names. client/stack reads them (its constants must match:
// program_test.go checks), so renaming one breaks `client --from-stack`.
const (
	OutputEndpoint   = "endpoint"
	OutputNodePort   = "nodePort"
	OutputNamespace  = "namespace"
	OutputDeployment = "deployment"
	OutputService    = "service"
	OutputHPA        = "hpa"
	OutputImage      = "image"
)

// OutputLoadgenJob is the load generator Job's name (for kubectl wait and
// kubectl logs -l job-name=...), exported only when there is one. The
// client does not read it, so client/stack does not name it.
const OutputLoadgenJob = "loadgenJob"

// Exports maps each stack output name to its value.
func (o *Outputs) Exports() map[string]pulumi.Output {
	exports := map[string]pulumi.Output{
		OutputEndpoint:   o.Endpoint,
		OutputNodePort:   o.NodePort,
		OutputNamespace:  o.Namespace,
		OutputDeployment: o.DeploymentName,
		OutputService:    o.ServiceName,
		OutputHPA:        o.HPAName,
		OutputImage:      o.Image,
	}
	if o.LoadgenJob.OutputState != nil {
		exports[OutputLoadgenJob] = o.LoadgenJob
	}
	return exports
}

// Run is the Pulumi program: Load the stack's config, Deploy, export the
// outputs. infra/main.go hands it to pulumi.Run; the Automation API can run
// it inline.
func Run(ctx *pulumi.Context) error {
	cfg, err := Load(ctx)
	if err != nil {
		return err
	}
	out, err := Deploy(ctx, cfg)
	if err != nil {
		return err
	}
	for name, v := range out.Exports() {
		ctx.Export(name, v)
	}
	return nil
}
