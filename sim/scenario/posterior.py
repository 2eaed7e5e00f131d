"""The shipped posterior: where it lives in the package.

``sim/data/posterior/`` holds the output of one full ``trustsim calibrate`` run (``posterior.parquet``, its
``manifest.json`` with the exact command, ``predictive.csv`` and ``report.csv``); see docs/calibration.md.
"""

from __future__ import annotations

from pathlib import Path

SHIPPED_POSTERIOR = Path(__file__).resolve().parents[1] / "data" / "posterior"
"""Folder of the posterior shipped with the package."""

__all__ = ["SHIPPED_POSTERIOR"]
