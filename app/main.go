// Command app is the service under test. See package hello.
package main

import (
	"os"

	"github.com/cloudperf/cloudperf/app/hello"
	"github.com/cloudperf/cloudperf/app/metrics"
)

func main() { os.Exit(hello.Main(os.Args[1:], os.Getenv, os.Stderr, metrics.New())) }
