package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudperf/cloudperf/infra/stack"
)

// Exports maps each stack output name (infra/stack, which the client reads
// too) to its value.
func (o *Outputs) Exports() map[string]pulumi.Output {
	exports := map[string]pulumi.Output{
		stack.OutputEndpoint:   o.Endpoint,
		stack.OutputNodePort:   o.NodePort,
		stack.OutputNamespace:  o.Namespace,
		stack.OutputDeployment: o.DeploymentName,
		stack.OutputService:    o.ServiceName,
		stack.OutputHPA:        o.HPAName,
		stack.OutputImage:      o.Image,
	}
	if o.LoadgenJob.OutputState != nil {
		exports[stack.OutputLoadgenJob] = o.LoadgenJob
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
