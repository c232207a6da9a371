"""`firebreak history`: many runs' journals and sweeps' maps, ordered by the commit each records."""
