// The container registry Firebreak's tests push a run's images to, as a team pushes them for a
// cluster that cannot see the build machine's images: distribution's own registry, with only
// the filesystem and in-memory storage drivers (the cloud drivers would triple the build and
// can reach nothing from here).
package main

import (
	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

func main() {
	// Execute reports a failed command itself and exits non-zero
	_ = registry.RootCmd.Execute()
}
