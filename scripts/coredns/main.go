// Command coredns is CoreDNS with only the plugins Firebreak's local cluster uses: the
// cluster's own zone from the API (kubernetes), a cache, health and readiness, loop detection,
// config reloads and error logs. No `forward` and no cloud back-ends: nothing here ever asks a
// server off the machine, and the build skips their SDKs (a fraction of the full build's time).
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func main() {
	coremain.Run()
}
