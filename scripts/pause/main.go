// Command pause is the first process of every pod sandbox on Firebreak's local cluster: it holds
// the pod's namespaces open, reaps orphaned children, and ends on SIGINT or SIGTERM. No registry
// is reachable here, so the usual registry.k8s.io/pause image is replaced by this.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig == syscall.SIGCHLD {
			for {
				var status syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}
