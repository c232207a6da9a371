"""Firebreak's own single-node Kubernetes cluster: `firebreak cluster up|down|status`."""
