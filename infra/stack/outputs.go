// Package stack is the contract between the Pulumi program (infra/program)
// and what reads its stacks (client --from-stack, the e2e test): the names
// of the outputs the program exports, and how a project's folder is found.
//
// It imports no Pulumi package, so the client can link it without the SDK.
package stack

import "sort"

// Output names the program exports.
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
// kubectl logs -l job-name=...), exported only when there is one, so it is
// not among OutputNames.
const OutputLoadgenJob = "loadgenJob"

// OutputNames lists every output the program always exports, sorted.
func OutputNames() []string {
	names := []string{OutputEndpoint, OutputNodePort, OutputNamespace, OutputDeployment, OutputService, OutputHPA, OutputImage}
	sort.Strings(names)
	return names
}
