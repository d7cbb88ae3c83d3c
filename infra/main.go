// Command infra is cloudperf's Pulumi program (Pulumi.yaml: main: infra/).
// The program itself is package program, importable by tests and the e2e.
package main

import (
	"github.com/cloudperf/cloudperf/infra/program"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() { pulumi.Run(program.Run) }
