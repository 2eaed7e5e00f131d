"""Decisions under uncertainty (issue 13): ``trustsim compare --posterior N`` and ``sim.compare(posterior=N)``.

The probabilities on a hand-made table with answers worked out by hand; the posterior loader's checks
and draws; common random numbers and identical results with 1 and 2 workers; the CLI end to end on the
tiny scenario with a synthetic posterior folder (the columns ``trustsim calibrate`` writes), the
report's sentence, and one-line errors (exit 2) for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
import sim.scenario.posterior as posterior_module
from conftest import PARTICLES, cli, write_posterior
from sim.errors import UserError
from sim.present.bottom_line import bottom_line
from sim.results.posterior import probabilities
from sim.run.posterior import posterior_worlds
from sim.scenario.files import load_scenario
from sim.scenario.posterior import draw_posterior, load_posterior, posterior_seed


@pytest.fixture(scope="module")
def post(synthetic_posterior) -> Path:
    return synthetic_posterior


@pytest.fixture(scope="module")
def tiny(tiny_scenario) -> Path:
    return tiny_scenario


# ------------------------------------------------------------------ the statistics, by hand
def hand_table() -> pd.DataFrame:
    """4 draws x 2 replicates x policies A (baseline), B, C; the replicates average to the world values below."""
    trust = {0: (0.50, 0.60, 0.55), 1: (0.50, 0.51, 0.40), 2: (0.70, 0.60, 0.65), 3: (0.50, 0.50, 0.50)}
    rate = {0: (10, 9.5, 8), 1: (10, 12, 10), 2: (10, 5, 20), 3: (10, 10, 10)}
    rows = []
    for d in range(4):
        for k, policy in enumerate("ABC"):
            for r, spread in enumerate((-0.2, +0.2)):   # replicates differ; only their mean counts
                rows.append({"draw": d, "particle": 10 + d, "replicate": r, "seed": 0, "policy": policy,
                             "trust_mean": trust[d][k] + spread / 2, "incident_rate": rate[d][k] + 10 * spread,
                             "arrests": 1.0})
    return pd.DataFrame(rows)


def test_probabilities_on_a_hand_made_table_have_the_answers_worked_out_by_hand():
    out = probabilities(hand_table(), ["A", "B", "C"], "A").set_index(["measure", "policy"])
    assert set(out.index.get_level_values(0)) == {"trust_mean", "incident_rate"}     # arrests: no direction
    t = out.loc["trust_mean"]
    # best: B, B, A, tie of all three -> A 1/3, B 7/12, C 1/12
    assert t["p_best"].to_dict() == pytest.approx({"A": 1 / 3, "B": 7 / 12, "C": 1 / 12})
    assert np.isnan(t.loc["A", "p_beats"]) and t.loc["A", "diff_mean"] == 0
    assert t.loc["B", "p_beats"] == 0.5 and t.loc["C", "p_beats"] == 0.25
    assert t.loc["B", "p_beats_practical"] == 0.25      # +0.01 in draw 1 beats A, but by less than 0.02
    assert t.loc["C", "p_beats_practical"] == 0.25
    assert t.loc["B", "diff_mean"] == pytest.approx(0.0025)
    assert t.loc["B", "diff_p05"] == pytest.approx(-0.085) and t.loc["B", "diff_p95"] == pytest.approx(0.0865)
    assert (t["draws"] == 4).all() and (t["direction"] == 1).all()
    i = out.loc["incident_rate"]                         # lower is better; practical threshold 10% of A's 10
    assert i["p_best"].to_dict() == pytest.approx({"A": 5 / 24, "B": 1 / 3, "C": 11 / 24})
    assert i.loc["B", "p_beats"] == 0.5 and i.loc["B", "p_beats_practical"] == 0.25   # -0.5 is below 1
    assert i.loc["C", "p_beats"] == 0.25 and i.loc["C", "p_beats_practical"] == 0.25
    assert i.loc["C", "diff_mean"] == pytest.approx(2.0)
    assert sum(i["p_best"]) == pytest.approx(1) and sum(t["p_best"]) == pytest.approx(1)


# ------------------------------------------------------------------ the loader and the draws
def test_draws_are_distinct_weighted_sorted_and_fixed_by_the_seed(post):
    p = load_posterior(post)
    assert p.parameters == ["trust_step", "quality_base", "witness_radius"] and len(p) == PARTICLES
    assert p.weights.sum() == pytest.approx(1) and p.positive == PARTICLES - 1
    a, b = draw_posterior(p, 5, seed=7), draw_posterior(p, 5, seed=7)
    assert a.indices == b.indices and a.params == b.params
    assert list(a.indices) == sorted(set(a.indices)) and 0 not in a.indices      # particle 0 has weight 0
    assert all(isinstance(v["witness_radius"], int) for v in a.params)
    assert draw_posterior(p, PARTICLES - 1, seed=1).indices == tuple(range(1, PARTICLES))
    assert {draw_posterior(p, 2, seed=s).indices for s in range(20)} != {a.indices[:2]}   # the seed matters
    with pytest.raises(UserError, match="only 7 particles with a positive weight"):
        draw_posterior(p, PARTICLES, seed=1)
    for bad in (0, -2, 2.5, "3", True):
        with pytest.raises(UserError, match="whole number of posterior draws"):
            draw_posterior(p, bad, seed=1)


def test_seeds_follow_the_documented_rule():
    assert posterior_seed(7, 2, 1) == int(np.random.SeedSequence([7, 2, 1]).generate_state(1)[0])
    assert posterior_seed(7, 0, 1) != posterior_seed(7, 1, 0)


def test_a_missing_shipped_posterior_is_one_line_naming_the_file_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setattr(posterior_module, "SHIPPED_POSTERIOR", tmp_path / "posterior")
    with pytest.raises(UserError) as err:
        load_posterior()
    (line,) = err.value.problems
    assert "posterior.parquet" in line and "trustsim calibrate --out sim/data/posterior" in line
    assert "--posterior-from" in line


@pytest.mark.parametrize("replace, needle", [
    ({"trust_stepp": 0.5}, "column 'trust_stepp'"),
    ({"quality_base": 1.5}, "column quality_base: expected values in [0, 1]"),
    ({"witness_radius": 25.0}, "column witness_radius: expected values in"),
    ({"share_officers": 0.5}, "column share_officers: a policy lever"),
    ({"trust_on": True}, "column trust_on: expected a numeric parameter"),
    ({"weight": None}, "has no column weight"),
    ({"weight": -1.0}, "column weight"),
    ({"trust_step": np.nan}, "column trust_step: row 0 is not a finite number"),
])
def test_a_bad_posterior_table_is_one_line_naming_the_column(tmp_path, replace, needle):
    folder = write_posterior(tmp_path / "fit", **replace)
    with pytest.raises(UserError) as err:
        load_posterior(folder)
    assert len(err.value.problems) == 1 and needle in err.value.problems[0], err.value.problems
    assert "posterior.parquet" in err.value.problems[0]


def test_integer_parameters_are_rounded_as_the_calibration_ran_them(tmp_path):
    """pyabc samples integer parameters on the continuous range; the model wrapper rounds them
    (sim.calibration.experiments.model_values), and so does the loader."""
    folder = write_posterior(tmp_path / "fit", witness_radius=2.6)
    assert set(load_posterior(folder).values["witness_radius"]) == {3}


def test_medians_are_weighted():
    post = posterior_module.Posterior(folder=Path("."), values=pd.DataFrame({"trust_step": [0.1, 0.2, 0.3],
                                                                             "witness_radius": [1, 2, 3]}),
                                      weights=np.array([0.2, 0.2, 0.6]), manifest_sha256="", command=None)
    assert post.medians() == {"trust_step": 0.3, "witness_radius": 3}
    post = posterior_module.Posterior(folder=Path("."), values=pd.DataFrame({"trust_step": [0.123456, 0.2]}),
                                      weights=np.array([0.5, 0.5]), manifest_sha256="", command=None)
    assert post.medians() == {"trust_step": 0.123}


# ------------------------------------------------------------------ the runs
def test_every_policy_of_a_world_gets_the_draw_and_keeps_its_levers(post, tiny):
    scenario = load_scenario(tiny)
    draws = draw_posterior(load_posterior(post), 3, scenario.seed)
    worlds = posterior_worlds(scenario, draws)
    assert [w.first for w in worlds] == [0, 2, 4] and [w.draw for w in worlds] == [0, 1, 2]
    for w, values in zip(worlds, draws.params):
        assert w.seeds == tuple(posterior_seed(scenario.seed, w.draw, r) for r in range(scenario.replicates))
        for pol, base in zip(w.scenario.policies, scenario.policies):
            assert {k: pol.params[k] for k in values} == values
            assert pol.params["share_officers"] == base.params["share_officers"]
            assert {k: v for k, v in pol.params.items() if k not in values} == \
                   {k: v for k, v in base.params.items() if k not in values}


def test_results_are_identical_with_one_and_two_workers_and_share_seeds_within_a_draw(post, tiny):
    one = sim.compare(tiny, posterior=3, posterior_from=post, workers=1, progress=False)
    two = sim.compare(tiny, posterior=3, posterior_from=post, workers=2, progress=False)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    pd.testing.assert_frame_equal(one.probabilities, two.probabilities)
    pd.testing.assert_frame_equal(one.posterior_runs, two.posterior_runs)
    runs = one.posterior_runs
    assert len(runs) == 3 * 2 * 2 and runs.groupby(["draw", "replicate"])["seed"].nunique().eq(1).all()
    assert runs["seed"].nunique() == 6
    assert sorted(runs["particle"].unique()) == one.manifest["posterior"]["indices"]
    assert set(one.timeseries["draw"]) == {0, 1, 2} and one.timeseries["replicate"].max() == 5
    assert one.summary["n"].max() == 6 and "P(best)" in one.table() and "P(best)" not in sim.compare(tiny, workers=1, progress=False).table()
    p = one.probabilities.set_index(["measure", "policy"])
    assert p.loc[("trust_mean", "reactive"), "p_best"] + p.loc[("trust_mean", "mixed"), "p_best"] == pytest.approx(1)


def test_the_api_refuses_posterior_from_without_posterior(post, tiny):
    with pytest.raises(UserError, match="needs --posterior N"):
        sim.compare(tiny, posterior_from=post, workers=1, progress=False)


# ------------------------------------------------------------------ the command line
def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_compare_posterior_end_to_end_then_the_report_says_it_in_words(post, tiny, tmp_path):
    out = tmp_path / "out"
    res = _cli("compare", str(tiny), "--posterior", "3", "--posterior-from", str(post), "--workers", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    for needle in ("tiny: 2 policies x 3 posterior draws x 2 replicates x 6 steps", "Over 3 plausible worlds",
                   "P(best)", "P(beats)", "P(matters)", "difference [90% of worlds]", "probabilities.csv"):
        assert needle in res.stdout, needle
    names = sorted(p.name for p in out.iterdir())
    assert names == ["manifest.json", "maps.npz", "posterior_runs.csv", "probabilities.csv", "summary.csv",
                     "timeseries.parquet"]
    manifest = json.loads((out / "manifest.json").read_text())
    post_m = manifest["posterior"]
    assert post_m["source"] == str(post) and post_m["draws"] == 3 and len(post_m["indices"]) == 3
    assert post_m["command"] == "trustsim calibrate --quick --out fit" and len(post_m["manifest_sha256"]) == 64
    assert manifest["budget_check"]["equal"] and len(manifest["seeds"]["draws"]) == 3
    again = sim.load_results(out)
    pd.testing.assert_frame_equal(again.probabilities, pd.read_csv(out / "probabilities.csv"))
    report = _cli("report", str(out))
    assert report.returncode == 0, report.stderr
    assert "of the plausible worlds (3 posterior draws)" in report.stdout
    assert "How sure: 3 plausible worlds" in report.stdout
    page = (out / "report.html").read_text()
    assert "Decisions under uncertainty" in page and "plausible worlds (3 posterior draws)" in page
    assert "3 plausible worlds x 2 replicates" in page
    assert any("plausible worlds (3 posterior draws)" in b for b in bottom_line(again))


@pytest.mark.parametrize("extra, needle", [
    (["--posterior", "0"], "--posterior: expected a whole number of posterior draws >= 1, got 0"),
    (["--posterior", "-3"], "got -3"),
    (["--posterior", "2.5"], "got '2.5'"),
    (["--posterior", "8"], "has only 7 particles with a positive weight"),
    (["--posterior-from", "FIT"], "--posterior-from: needs --posterior N"),
    (["--posterior", "2", "--posterior-from", "EMPTY"], "posterior.parquet: missing"),
    (["--posterior", "2", "--posterior-from", "NOWHERE"], "no such folder"),
])
def test_cli_bad_posterior_input_is_one_line_exit_2_and_nothing_written(post, tiny, tmp_path, capsys, extra, needle):
    (tmp_path / "empty").mkdir()
    swap = {"FIT": str(post), "EMPTY": str(tmp_path / "empty"), "NOWHERE": str(tmp_path / "nowhere")}
    extra = [swap.get(a, a) for a in extra]
    if "--posterior-from" not in extra:
        extra += ["--posterior-from", str(post)] if extra[1] == "8" else []
    out = tmp_path / "out"
    code, lines, _ = cli(["compare", str(tiny), "--workers", "1", "--out", str(out), *extra], capsys)
    assert code == 2 and len(lines) == 1 and needle in lines[0], lines
    assert not any("Traceback" in line for line in lines) and not out.exists()


def test_cli_without_a_shipped_posterior_names_the_file_and_the_command(tiny, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(posterior_module, "SHIPPED_POSTERIOR", tmp_path / "posterior")
    code, lines, _ = cli(["compare", str(tiny), "--posterior", "2", "--workers", "1", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(lines) == 1 and "posterior.parquet" in lines[0] and "trustsim calibrate --out" in lines[0]


def test_a_draw_that_breaks_a_cross_field_check_is_one_line_naming_the_draw(tiny, tmp_path):
    folder = write_posterior(tmp_path / "fit", witness_radius=10.0)   # in Params' range, too wide for 20 x 20
    with pytest.raises(UserError) as err:
        sim.compare(tiny, posterior=2, posterior_from=folder, workers=1, progress=False)
    assert "posterior draw 0" in err.value.problems[0] and "witness_radius" in err.value.problems[0]


def test_the_bottom_line_sentence_names_the_share_of_worlds_the_policy_and_what_matters():
    from sim.present.data import Data
    from sim.present.posterior import probability_sentence
    rows = [("incident_rate", "reactive", 0.1, np.nan, np.nan, 0.0, 0.0, 0.0),
            ("incident_rate", "proximity", 0.8, 0.825, 0.70, -0.64, -0.90, -0.20),
            ("incident_rate", "mixed", 0.1, 0.60, 0.30, +0.05, -0.30, +0.90)]
    probs = pd.DataFrame(rows, columns=["measure", "policy", "p_best", "p_beats", "p_beats_practical", "diff_mean",
                                        "diff_p05", "diff_p95"]).assign(baseline="reactive", draws=40)
    d = Data(probabilities=probs, manifest={"resolved": {"baseline": "reactive", "policies": [
        {"name": p} for p in ("reactive", "proximity", "mixed")]}, "budget_check": {"equal": True},
        "posterior": {"draws": 40}})
    text = probability_sentence(d, "incident_rate")
    assert text.startswith("In 82% of the plausible worlds (40 posterior draws) proximity lowered the incident rate "
                           "more than reactive, at the same budget; by at least the 10% of the baseline's value that "
                           "matters in 70%; expected difference -0.64"), text
    assert "90% of worlds -0.90 to -0.20" in text and "proximity was the best of the 3 policies in 80%" in text
    assert "worse on average" not in text
    d.manifest["budget_check"] = {"equal": False}
    assert "budgets were not equal" in probability_sentence(d, "incident_rate")
