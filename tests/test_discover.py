"""Scenario discovery with PRIM: a known region is found, edge cases are said plainly, the CLI works."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discover import cases_of_interest, discover
from sim.cli import main
from sim.errors import UserError


def synthetic_points(n=400, seed=1, measure="trust_mean", sign=1.0):
    """A points table where 'proximity' beats 'reactive' exactly when quality > 0.7 (bias is irrelevant)."""
    rng = np.random.default_rng(seed)
    q, b = rng.uniform(0.5, 1.0, n), rng.uniform(1.0, 14.0, n)
    diff = sign * np.where(q > 0.7, 0.02, -0.02) + rng.normal(0, 0.001, n)
    return pd.DataFrame({"point": np.arange(n), "quality_base": q, "negativity_bias": b, "policy": "proximity",
                         "measure": measure, "baseline": "reactive", "diff_mean": diff,
                         "diff_ci_low": diff - 0.03, "diff_ci_high": diff + 0.03})


def test_prim_finds_the_region_where_the_policy_wins():
    d = discover(synthetic_points(), "proximity", "trust_mean", "reactive", criterion="mean")
    assert [r.name for r in d.rules] == ["quality_base"]
    rule = d.rules[0]
    assert rule.high is None and 0.65 <= rule.low <= 0.75
    assert d.density >= 0.95 and d.coverage >= 0.9
    assert "quality_base is at least" in d.sentence() and "proximity beats reactive" in d.sentence()


def test_direction_follows_the_measure_lower_is_better_for_incidents():
    # a negative difference in incidents is a win: the same region must come out
    d = discover(synthetic_points(measure="incident_rate", sign=-1.0), "proximity", "incident_rate", "reactive",
                 criterion="mean")
    assert [r.name for r in d.rules] == ["quality_base"] and d.rules[0].low >= 0.65


def test_clear_criterion_needs_the_interval_to_exclude_zero():
    pts = synthetic_points()
    _, y_mean = cases_of_interest(pts, "proximity", "trust_mean", "mean")
    _, y_clear = cases_of_interest(pts, "proximity", "trust_mean", "clear")
    assert y_mean.sum() > 0 and y_clear.sum() == 0          # intervals of +-0.03 around +-0.02 include 0
    d = discover(pts, "proximity", "trust_mean", "reactive", criterion="clear")
    assert d.n_interest == 0 and "nowhere" in d.sentence()


def test_everywhere_and_nowhere_are_said_without_running_prim():
    pts = synthetic_points()
    pts["diff_mean"] = 0.5
    assert "everywhere" in discover(pts, "proximity", "trust_mean", "reactive", criterion="mean").sentence()


def test_cli_on_a_finished_sweep_folder(tmp_path, capsys):
    folder = tmp_path / "sweep"
    folder.mkdir()
    synthetic_points().to_csv(folder / "points.csv", index=False)
    assert main(["discover", str(folder), "--measure", "trust_mean", "--criterion", "mean"]) == 0
    out = capsys.readouterr().out
    assert "When quality_base is at least" in out
    table = pd.read_csv(folder / "discovery.csv")
    assert list(table["policy"]) == ["proximity"] and table.loc[0, "density"] >= 0.95


@pytest.mark.parametrize("args, message", [
    (["--policy", "nobody"], "--policy: 'nobody' not in this sweep"),
    (["--measure", "happiness"], "--measure: 'happiness' not in this sweep"),
    (["--min-density", "1.5"], "--min-density: expected a number in (0, 1]"),
])
def test_cli_bad_arguments_are_one_line(tmp_path, capsys, args, message):
    folder = tmp_path / "sweep"
    folder.mkdir()
    synthetic_points().to_csv(folder / "points.csv", index=False)
    assert main(["discover", str(folder), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (folder / "discovery.csv").exists()


def test_cli_unfinished_or_foreign_folder(tmp_path, capsys):
    assert main(["discover", str(tmp_path)]) == 2
    assert "run the sweep to the end first" in capsys.readouterr().err
    (tmp_path / "points.csv").write_text("a,b\n1,2\n")
    assert main(["discover", str(tmp_path)]) == 2
    assert "not a sweep's points table" in capsys.readouterr().err


def with_baseline_rows(pts: pd.DataFrame, level: float) -> pd.DataFrame:
    """``pts`` with a 'mean' column and the baseline's rows (its level ``level`` at every point)."""
    base = pts.assign(policy="reactive", mean=level, diff_mean=0.0, diff_ci_low=0.0, diff_ci_high=0.0)
    cols = ["point", "quality_base", "negativity_bias", "policy", "measure", "mean", "baseline", "diff_mean",
            "diff_ci_low", "diff_ci_high"]
    return pd.concat([base, pts.assign(mean=level + pts["diff_mean"])])[cols].sort_values(["point", "policy"])


def test_matters_on_a_sweep_takes_a_relative_threshold_from_the_baselines_level_at_each_point():
    pts = synthetic_points(measure="incident_rate", sign=-1.0)        # -0.02 where quality > 0.7, else +0.02
    small = with_baseline_rows(pts, 0.1)                              # 10% of 0.1 = 0.01: -0.02 matters
    x, y = cases_of_interest(small, "proximity", "incident_rate", "matters")
    assert (y == (x["quality_base"] > 0.7).to_numpy()).all()
    d = discover(small, "proximity", "incident_rate", "reactive")
    assert d.criterion == "matters" and [r.name for r in d.rules] == ["quality_base"]
    assert "by at least 10% of reactive's level" in d.sentence()
    large = with_baseline_rows(pts, 1.0)                              # 10% of 1 = 0.1: nothing matters
    assert "nowhere in this sweep" in discover(large, "proximity", "incident_rate", "reactive").sentence()
    with pytest.raises(UserError, match="no baseline level"):
        cases_of_interest(pts, "proximity", "incident_rate", "matters")


def test_the_sweep_report_shows_the_discovery_and_reads_an_older_table_without_kind():
    from sim.present.data import Data
    from sim.present.posterior import discovery_html
    found = pd.DataFrame([discover(synthetic_points(), "proximity", "trust_mean", "reactive", criterion="mean").to_row()])
    page = discovery_html(Data(discovery=found, points=synthetic_points()), "sweep")
    assert "Where in the swept space" in page and "When quality_base is at least" in page
    assert discovery_html(Data(discovery=found.drop(columns="kind"), points=synthetic_points()), "sweep") == page
    assert discovery_html(Data(discovery=found), "posterior") == ""


def test_a_small_sweep_is_too_few_for_prim():
    d = discover(synthetic_points(n=12), "proximity", "trust_mean", "reactive", criterion="mean")
    assert d.too_few and d.rules == () and "12 cases are too few" in d.sentence()
