"""Params defaults of the calibrated parameters are the shipped posterior's medians, and the ODD says
what they were before."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.core.params import Params
from sim.present.paramdoc_calibrated import render_calibrated
from sim.scenario.posterior import SHIPPED_POSTERIOR, load_posterior

shipped = pytest.mark.skipif(not (SHIPPED_POSTERIOR / "posterior.parquet").exists(),
                             reason="no posterior shipped yet (docs/calibration.md, 'The second full run')")


@shipped
def test_the_shipped_posterior_is_complete_and_names_its_command():
    for name in ("posterior.parquet", "manifest.json", "predictive.csv", "report.csv", "diagnostics.csv"):
        assert (SHIPPED_POSTERIOR / name).is_file(), name
    manifest = json.loads((SHIPPED_POSTERIOR / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["command"].startswith("trustsim calibrate") and "--quick" not in manifest["command"]


@shipped
def test_defaults_are_the_shipped_posterior_medians():
    medians = load_posterior().medians()
    assert medians, "the shipped posterior fits no parameter"
    defaults = {name: Params.spec(name)["default"] for name in medians}
    assert defaults == medians


def test_the_odd_block_shows_before_now_and_the_posterior_range(tmp_path):
    values = np.array([0.1, 0.2, 0.3, 0.4])
    pd.DataFrame({"trust_step": values, "weight": [0.1, 0.1, 0.4, 0.4], "generation": 2,
                  "distance": 1.0}).to_parquet(tmp_path / "posterior.parquet")
    (tmp_path / "manifest.json").write_text(json.dumps({
        "command": "trustsim calibrate --out results/calibration",
        "parameters": [{"name": "trust_step", "low": 0.0, "high": 2.0, "integer": False, "default": 0.7}]}))
    text = render_calibrated(tmp_path)
    row = next(line for line in text.splitlines() if line.startswith("| `trust_step`"))
    assert row.split("|")[2:6] == [" `0.7` ", " `0.3` ", " 0.1 to 0.4 ", " uniform, 0 to 2 "]
    assert "trustsim calibrate --out results/calibration" in text
    assert "No posterior" in render_calibrated(tmp_path / "none")
