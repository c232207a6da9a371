"""The orders service of the sample store."""
