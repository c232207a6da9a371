"""`firebreak init --from`: a starting system.yaml from what a team already has (a Compose file,
a folder of Kubernetes manifests), with every guess listed for the user to confirm."""
