//go:build tools

// Package deps pins what the provider's main.go and generate.go import; install.sh
// copies those two files (and the schema) from the module cache next to this go.mod.
package deps

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
