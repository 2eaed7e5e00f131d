"""``trustsim validate``'s held-out calibration check: read from a calibration folder (synthetic here, a real
``--quick`` one in tests/test_calibration.py), judged by the band containing the posterior-predictive
median, listed as not run without a shipped posterior, gating otherwise; it can fail."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.calibration.targets import load_targets
from sim.commands.validate import heldout_input
from sim.validation import QUICK, build_checks, suite_ok
from sim.validation.core import CheckResult
from sim.validation.heldout import MIN_DRAWS, HeldOutCheck, judge
from sim.validation.report import markdown

SPEC = load_targets()
HELD = [s for s in SPEC.statistics() if SPEC.target(s.target).role == "held_out"]


def _folder(tmp_path, value_of, draws: int = 40, name: str = "cal"):
    """A calibration folder with a manifest and a posterior predictive whose held-out statistic ``s`` has
    draws spread around ``value_of(s)`` (and the fitted ones at their band's midpoint)."""
    folder = tmp_path / name
    folder.mkdir()
    rng = np.random.default_rng(0)
    table = {"source": ["posterior"] * draws + ["defaults"] * 5, "draw": list(range(draws)) + list(range(5))}
    for s in SPEC.statistics():
        centre = value_of(s) if s in HELD else s.mid
        table[s.key] = centre + 0.05 * s.scale * rng.standard_normal(draws + 5)
    pd.DataFrame(table).to_csv(folder / "predictive.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps({"config": {"targets_sha256": SPEC.sha256}, "status": "complete",
                                                      "command": "trustsim calibrate --out X"}))
    return folder


def _result(data, tmp_path) -> CheckResult:
    figdir = tmp_path / "figures"
    figdir.mkdir(exist_ok=True)
    return HeldOutCheck(data).analyse({}, QUICK, figdir, {})


def test_every_held_out_statistic_inside_its_band_passes_and_gates(tmp_path):
    data = heldout_input(_folder(tmp_path, lambda s: s.mid))
    assert data.missing is None and data.error is None and data.command == "trustsim calibrate --out X"
    assert {f"{r['target']}.{r['statistic']}" for r in data.rows} == {s.key for s in HELD}
    assert not any(r["target"] in {t.id for t in SPEC.fit} for r in data.rows)      # only held-out targets
    r = _result(data, tmp_path)
    assert r.gating and r.passed is True and r.verdict == "agrees"
    assert r.headline.startswith(f"{len(HELD)} of {len(HELD)} held-out statistics agree")
    assert (tmp_path / "figures" / r.figure).stat().st_size > 1000
    assert suite_ok([r])
    md = markdown([r], _meta())
    assert "Held-out calibration targets" in md and "posterior-predictive median" in md and r.criterion in md


def test_one_statistic_outside_its_band_fails_the_check_and_validate(tmp_path):
    bad = HELD[0]
    data = heldout_input(_folder(tmp_path, lambda s: s.band[1] + 3 * s.scale if s is bad else s.mid))
    r = _result(data, tmp_path)
    assert r.passed is False and r.verdict == "disagrees" and r.gating
    assert bad.key in r.headline and f"{len(HELD) - 1} of {len(HELD)}" in r.headline
    assert r.measured[bad.key]["verdict"] == "disagrees"
    assert not suite_ok([r])
    assert "❌ disagrees" in markdown([r], _meta())


def test_no_shipped_posterior_is_listed_not_run_and_does_not_gate(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.commands.validate.SHIPPED_POSTERIOR", tmp_path / "posterior")   # none shipped
    data = heldout_input()
    assert data.missing and "no shipped posterior" in data.missing and "trustsim calibrate --out" in data.missing
    r = _result(data, tmp_path)
    assert r.verdict == "not run" and r.passed is None and r.gating is False
    assert "no shipped posterior" in r.headline and r.figure is None
    assert suite_ok([r])                         # not a pass, not a failure: validate exits on the others
    names = [c.name for c in build_checks(QUICK)]
    assert names[-1] == "calibration-held-out" and len(names) == len(set(names))
    empty = heldout_input(tmp_path)              # a folder that is no calibration
    assert empty.missing and "no finished calibration" in empty.missing


def test_unreadable_folder_is_an_error_that_gates(tmp_path):
    folder = _folder(tmp_path, lambda s: s.mid)
    (folder / "manifest.json").write_text("{not json")
    data = heldout_input(folder)
    assert data.error
    r = _result(data, tmp_path)
    assert r.verdict == "error" and r.passed is None and r.gating and not suite_ok([r])


def test_too_few_draws_are_not_judged(tmp_path):
    data = heldout_input(_folder(tmp_path, lambda s: s.mid, draws=MIN_DRAWS - 1))
    r = _result(data, tmp_path)
    assert r.passed is None and r.verdict == "not judged" and not suite_ok([r])
    assert judge({"low": 0.0, "high": 1.0, "median": 0.5, "draws": MIN_DRAWS}) == "agrees"
    assert judge({"low": 0.0, "high": 1.0, "median": 1.5, "draws": MIN_DRAWS}) == "disagrees"
    assert judge({"low": 0.0, "high": 1.0, "median": 0.5, "draws": 0, "status": "needs issue 12"}).startswith("not run")


def test_targets_changed_since_the_calibration_is_noted(tmp_path):
    folder = _folder(tmp_path, lambda s: s.mid)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["config"]["targets_sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    data = heldout_input(folder)
    assert any("targets file changed" in n for n in data.notes)
    assert any("targets file changed" in line for line in _result(data, tmp_path).details)


def _meta() -> dict:
    prov = {"created": "now", "git_commit": "abc", "versions": {"python": "3", "mesa": "3", "numpy": "2"}}
    return {"mode": "quick", "runs": 0, "workers": 1, "cores": 2, "wall_time_s": 1.0, "simulation_cpu_s": 0.0,
            "load_average_start": 0, "load_average_end": 0, "provenance": prov, "command": "trustsim validate",
            "simulated_now": 0, "config": {"seeds_from": 1}}


if __name__ == "__main__":      # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-x", "-q"]))
