"""Everything a run leaves for people and CI, all rendered from the journal alone."""
