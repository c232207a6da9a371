"""Faults: things injected for a while and always reverted."""
