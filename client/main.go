// Command client is cloudperf's load generator. See package cli.
package main

import (
	"os"

	"github.com/cloudperf/cloudperf/client/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
