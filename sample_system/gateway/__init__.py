"""The gateway service of the sample store."""
