// Command pause is the node's pod sandbox image: it holds a pod's namespaces
// and does nothing until it is told to stop (what registry.k8s.io/pause does;
// no registry is reachable here, so the cluster builds its own).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
