"""Collected results: statistics, summaries and the containers that hold them (data only)."""
