"""The Docker platform: each replica a container on networks of the run's own."""
