"""The inventory service of the sample store."""
