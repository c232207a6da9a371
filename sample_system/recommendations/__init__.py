"""The recommendations service of the sample store."""
