"""Smoke tests of the one-line API and the CLI's run command."""

import json
import subprocess
import sys

import pandas as pd
import pytest

import sim
from sim.core.measures import MEASURES


def test_one_line_api_gives_one_row_per_step_with_the_documented_columns():
    m = sim.TrustModel(preset="proximity", rng=7, width=30, height=30)
    df = m.run(20).results
    assert list(df.step) == list(range(21))
    assert set(("step",) + MEASURES) <= set(df.columns)
    assert m.maps["trust"].shape == (30, 30) and m.maps["incidents"].shape == (30, 30)


def test_cli_run_writes_timeseries_and_manifest(tmp_path):
    out = tmp_path / "run"
    res = subprocess.run([sys.executable, "-m", "sim.cli", "run", "--preset", "reactive", "--steps", "5",
                          "--seed", "3", "--set", "width=24", "--set", "height=24", "--out", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out / "timeseries.parquet")
    assert len(df) == 6 and (df.seed == 3).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["width"] == 24 and manifest["seed"] == 3
    assert manifest["versions"]["mesa"].startswith("3.")


@pytest.mark.parametrize("args, needle", [
    (["--preset", "nope"], "unknown preset"),
    (["--set", "vison=3"], "did you mean vision"),
    (["--set", "vision=abc"], "vision: expected an integer"),
    (["--set", "trust_step=3"], "trust_step: expected a value in [0, 2]"),
    (["--steps", "-1"], "--steps"),
    (["--bogus"], "unrecognized arguments"),
])
def test_cli_bad_arguments_give_one_line_errors_and_exit_2(tmp_path, args, needle):
    out = tmp_path / "never"
    res = subprocess.run([sys.executable, "-m", "sim.cli", "run", "--out", str(out), *args],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert needle in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()
