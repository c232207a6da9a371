"""The catalog service of the sample store."""
