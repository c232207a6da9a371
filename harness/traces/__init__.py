"""Traces as evidence (issue 25): a real Jaeger per run, the OpenTelemetry settings each traced
service gets, reading a run's traces back, and what they say about each fault's requests."""
