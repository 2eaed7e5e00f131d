"""Analyses of stored results: scenario discovery (PRIM) over sweeps and posterior draws."""
