"""The payments service of the sample store."""
