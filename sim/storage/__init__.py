"""Results on disk: folder layout and file names, atomic writes, provenance, the sweep store, the one reader of results folders."""
