"""Sensitivity analysis (issue 4): the SALib path checked on functions with known indices, then
the same path on a tiny trustsim sweep through the CLI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import UserError
from sim.run.sensitivity import SOBOL_COLUMNS, check_n, sensitivity

A, B = 7.0, 0.1


def ishigami(v):
    return math.sin(v["x1"]) + A * math.sin(v["x2"]) ** 2 + B * v["x3"] ** 4 * math.sin(v["x1"])


def ishigami_exact():
    """First-order and total Sobol indices of the Ishigami function on [-pi, pi]^3."""
    v1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": [v1 / var, v2 / var, 0.0], "ST": [(v1 + v13) / var, v2 / var, v13 / var]}


ISHIGAMI = {"name": "ishigami", "seed": 11,
            "parameters": {k: {"range": [-math.pi, math.pi]} for k in ("x1", "x2", "x3")}}


def test_sobol_indices_of_the_ishigami_function(tmp_path):
    res = sensitivity(ISHIGAMI, "sobol", 1024, model=ishigami, workers=1, out=tmp_path / "ishigami",
                      progress=False, chunk=2048, plot=False)
    d = res.indices.set_index("parameter").loc[["x1", "x2", "x3"]]
    exact = ishigami_exact()
    assert res.manifest["sensitivity"]["points"] == 1024 * (3 + 2)
    for idx in ("S1", "ST"):
        np.testing.assert_allclose(d[idx], exact[idx], atol=0.05, err_msg=idx)
        # the exact values lie inside the bootstrap intervals (a little slack for the bootstrap)
        assert ((d[f"{idx}_ci_low"] - 0.01 <= exact[idx]) & (np.array(exact[idx]) <= d[f"{idx}_ci_high"] + 0.01)).all()
    assert (d["ST"] >= d["S1"] - 0.05).all()
    saved = pd.read_csv(tmp_path / "ishigami" / "indices.csv")
    assert list(saved.columns[-7:]) == [*SOBOL_COLUMNS, "n_points"]
    assert len(saved) == 3


def linear(v):
    return {"y": 3.0 * v["a"] - 1.0 * v["b"] + 0.0 * v["c"]}


def test_morris_elementary_effects_of_a_linear_function(tmp_path):
    spec = {"name": "linear", "seed": 3,
            "parameters": {"a": {"range": [0.0, 2.0]}, "b": {"range": [10.0, 14.0]}, "c": {"range": [-1.0, 1.0]}}}
    res = sensitivity(spec, "morris", 8, model=linear, workers=1, out=tmp_path / "lin", progress=False, plot=False)
    d = res.indices.set_index("parameter")
    # in unit coordinates the effect of a factor is its slope times its range: 3 * 2, -1 * 4, 0
    np.testing.assert_allclose(d.loc[["a", "b", "c"], "mu"], [6.0, -4.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(d.loc[["a", "b", "c"], "mu_star"], [6.0, 4.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(d["sigma"], 0.0, atol=1e-9)
    assert res.manifest["sensitivity"]["points"] == 8 * (3 + 1)


def test_sample_size_checks():
    assert check_n("sobol", None) == 32 and check_n("morris", None) == 10
    with pytest.raises(UserError, match="expected a power of 2 .* try 8 or 16"):
        check_n("sobol", 12)
    with pytest.raises(UserError, match="--method: expected one of sobol, morris"):
        check_n("fast", 8)


SWEEP = """
name = "sens"
steps = 4
replicates = 1
seed = 4
[base.params]
width = 20
height = 20
vision = 4
officer_vision = 4
response_radius = 6
[[policies]]
name = "reactive"
preset = "reactive"
[[policies]]
name = "mixed"
preset = "mixed"
[parameters]
negativity_bias = { range = [1.0, 10.0], levels = 3 }   # levels are ignored by the analysis
report_trust_gain = [0.0, 0.2, 0.4]
"""


def test_sensitivity_command_on_a_trustsim_sweep(tmp_path, capsys):
    f = tmp_path / "sens.toml"
    f.write_text(SWEEP)
    out = tmp_path / "out"
    rc = main(["sensitivity", str(f), "--method", "sobol", "--n", "4", "--workers", "1", "--out", str(out),
               "--measures", "trust_mean,incident_rate,cost_total"])
    printed = capsys.readouterr()
    assert rc == 0, printed.err
    ind = pd.read_csv(out / "indices.csv")
    assert set(ind["parameter"]) == {"negativity_bias", "report_trust_gain"}
    assert set(ind["measure"]) <= {"trust_mean", "incident_rate", "cost_total"}
    assert {("mixed", "difference"), ("reactive", "level"), ("mixed", "level")} >= \
        set(map(tuple, ind[["policy", "kind"]].drop_duplicates().to_numpy()))
    assert ("mixed", "difference") in set(map(tuple, ind[["policy", "kind"]].to_numpy()))
    assert (out / "indices.png").stat().st_size > 1000
    assert "trust_mean, mixed - reactive" in printed.out
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 * (2 + 2) * 2
    assert set(runs["report_trust_gain"]) <= {0.0, 0.2, 0.4}
    # resumable like any sweep: nothing runs again
    assert main(["sensitivity", str(f), "--method", "sobol", "--n", "4", "--workers", "1", "--out", str(out)]) == 0
    assert "this session ran 0" in capsys.readouterr().out
    assert main(["sensitivity", str(f), "--method", "sobol", "--n", "6", "--out", str(tmp_path / "o2")]) == 2
    assert "power of 2" in capsys.readouterr().err
    assert not (tmp_path / "o2").exists()
