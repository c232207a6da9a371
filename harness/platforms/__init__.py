"""Platforms run a system: local processes, the Docker engine, a Kubernetes cluster."""

from harness.platforms.base import Instance, Platform, PlatformEvent

__all__ = ["Instance", "Platform", "PlatformEvent"]
