"""The local platform: each replica a process of this machine."""
