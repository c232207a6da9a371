"""Observation: what the run saw each second, from the load stream and the services' metrics."""
