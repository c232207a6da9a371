"""The Kubernetes platform: each replica a pod in a namespace of the run's own."""
