"""Checks: pure functions from a run's observations to a verdict with the numbers behind it."""
