"""Scenario discovery over the plausible worlds of ``trustsim compare --posterior N`` and the 'matters'
criterion: PRIM finds a known region in a hand-made per-draw table; a negligible gain is not a win under
'matters' (a real one is); too few worlds is one line; the CLI end to end on the tiny scenario with a
synthetic posterior (fixtures in conftest), the report's section, and one-line errors (exit 2)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import cli, write_posterior
from sim.analysis.discover import MIN_CASES, cases_of_interest, discover
from sim.cli import main
from sim.errors import UserError
from sim.present.data import Data
from sim.present.posterior import discovery_html
from sim.results.posterior import draw_table


def hand_runs(n_draws=60, replicates=2, seed=3):
    """Draws x replicates x (reactive, proximity): proximity's trust is reactive's + 0.05 exactly when
    the draw's parameter a > 0.5, else - 0.05 (b is irrelevant); replicate noise is common to both
    policies except 0.002. Returns the runs table and each draw's values."""
    rng = np.random.default_rng(seed)
    values = [{"a": float(rng.uniform()), "b": float(rng.uniform())} for _ in range(n_draws)]
    rows = []
    for d, v in enumerate(values):
        for r in range(replicates):
            level, tension = 0.5 + rng.normal(0, 0.05), 0.3 + rng.normal(0, 0.02)
            gain = 0.05 if v["a"] > 0.5 else -0.05
            rows.append({"draw": d, "particle": d, "replicate": r, "seed": 0, "policy": "reactive",
                         "trust_mean": level, "tension": tension, "incident_rate": 10.0})
            rows.append({"draw": d, "particle": d, "replicate": r, "seed": 0, "policy": "proximity",
                         "trust_mean": level + gain + rng.normal(0, 0.002),
                         "tension": tension - 0.002,            # lower is better: a negligible gain everywhere
                         "incident_rate": 10.0 - (2.0 if v["a"] > 0.5 else 0.5)})   # 20% vs 5% of 10
    return pd.DataFrame(rows), values


def test_the_per_draw_table_has_the_shape_of_a_points_table_and_the_paired_means():
    runs, values = hand_runs(n_draws=4)
    table = draw_table(runs, values, ["reactive", "proximity"], "reactive")
    assert list(table.columns[:5]) == ["draw", "a", "b", "policy", "measure"]
    assert {"mean", "baseline", "diff_mean", "diff_ci_low", "diff_ci_high"} <= set(table.columns)
    row = table[(table.draw == 2) & (table.policy == "proximity") & (table.measure == "trust_mean")].iloc[0]
    r = runs[runs.draw == 2]
    paired = (r[r.policy == "proximity"]["trust_mean"].to_numpy() - r[r.policy == "reactive"]["trust_mean"].to_numpy())
    assert row["diff_mean"] == pytest.approx(paired.mean()) and row["a"] == values[2]["a"] and row["n"] == 2
    base = table[(table.policy == "reactive") & (table.measure == "trust_mean")]
    assert (base["diff_mean"] == 0).all() and len(table) == 4 * 2 * 3


def test_prim_finds_the_worlds_where_proximity_wins():
    runs, values = hand_runs()
    table = draw_table(runs, values, ["reactive", "proximity"], "reactive")
    d = discover(table, "proximity", "trust_mean", "reactive")
    assert d.kind == "posterior" and d.criterion == "matters" and d.n_cases == 60
    assert [r.name for r in d.rules] == ["a"] and d.rules[0].high is None and 0.4 <= d.rules[0].low <= 0.6
    assert d.density >= 0.95 and d.coverage >= 0.9
    text = d.sentence()
    assert text.startswith("When a is at least") and "proximity beats reactive on mean trust by at least 0.02" in text
    assert "of the plausible worlds there" in text and "across all the plausible worlds" in text


def test_matters_does_not_count_a_negligible_gain_and_counts_a_real_one():
    runs, values = hand_runs()
    table = draw_table(runs, values, ["reactive", "proximity"], "reactive")
    # tension: proximity is lower (better) by 0.002 in every world, below the threshold 0.01
    _, y_mean = cases_of_interest(table, "proximity", "tension", "mean")
    _, y_matters = cases_of_interest(table, "proximity", "tension", "matters")
    assert y_mean.all() and not y_matters.any()
    assert "everywhere" in discover(table, "proximity", "tension", "reactive", criterion="mean").sentence()
    assert "nowhere" in discover(table, "proximity", "tension", "reactive").sentence()
    # incident rate (relative threshold, 10% of reactive's 10): -2 is a win, -0.5 is not, -0.5 wins under 'mean'
    x, y = cases_of_interest(table, "proximity", "incident_rate", "matters")
    assert (y == (x["a"] > 0.5).to_numpy()).all()
    assert cases_of_interest(table, "proximity", "incident_rate", "mean")[1].all()
    d = discover(table, "proximity", "incident_rate", "reactive")
    assert [r.name for r in d.rules] == ["a"] and "by at least 10% of reactive's level" in d.sentence()


def test_a_relative_threshold_without_the_baseline_level_is_one_line():
    runs, values = hand_runs(n_draws=30)
    table = draw_table(runs, values, ["reactive", "proximity"], "reactive").drop(columns="mean")
    with pytest.raises(UserError, match="no baseline level"):
        cases_of_interest(table, "proximity", "incident_rate", "matters")
    cases_of_interest(table, "proximity", "trust_mean", "matters")          # an absolute threshold needs none


def test_too_few_worlds_give_one_line_and_no_rules():
    runs, values = hand_runs(n_draws=MIN_CASES - 1)
    d = discover(draw_table(runs, values, ["reactive", "proximity"], "reactive"), "proximity", "trust_mean", "reactive")
    assert d.too_few and d.rules == () and np.isnan(d.density)
    assert f"{MIN_CASES - 1} plausible worlds are too few" in d.sentence() and "--posterior 40" in d.sentence()


def test_the_report_section_shows_the_rules_in_words():
    runs, values = hand_runs()
    table = draw_table(runs, values, ["reactive", "proximity"], "reactive")
    found = pd.DataFrame([discover(table, "proximity", m, "reactive").to_row() for m in ("trust_mean", "tension")])
    manifest = {"resolved": {"baseline": "reactive", "policies": [{"name": "reactive"}, {"name": "proximity"}]},
                "posterior": {"draws": 60}}
    page = discovery_html(Data(discovery=found, manifest=manifest))
    assert "In which plausible worlds" in page and "When a is at least" in page and "nowhere" in page
    assert "by at least the measure&#x27;s practical threshold" in page
    assert discovery_html(Data(discovery=found, manifest=manifest), "sweep") == ""
    stale = discovery_html(Data(discovery=found, manifest={**manifest, "posterior": {"draws": 40}}))
    assert "run <code>trustsim discover</code> on this folder again" in stale and "When a" not in stale


# ------------------------------------------------------------------ the command line, end to end
def test_cli_compare_posterior_then_discover_then_report(tiny_scenario, tmp_path, capsys):
    fit = write_posterior(tmp_path / "fit", particles=MIN_CASES + 4)
    out = tmp_path / "out"
    assert main(["compare", str(tiny_scenario), "--posterior", str(MIN_CASES), "--posterior-from", str(fit),
                 "--workers", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["discover", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 + 1 and lines[-1].startswith("wrote") and all("mixed" in t for t in lines[:4])
    found = pd.read_csv(out / "discovery.csv")
    assert list(found["measure"]) == ["trust_mean", "incident_rate", "tension", "cost_total"]
    assert (found["kind"] == "posterior").all() and (found["cases"] == MIN_CASES).all()
    assert (found["criterion"] == "matters").all()
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    section = page[page.index("id='probabilities'"):]
    section = section[:section.index("</section>")]
    assert "In which plausible worlds each policy wins" in section
    assert json.loads((out / "manifest.json").read_text())["posterior"]["draws"] == MIN_CASES


def test_cli_discover_on_few_draws_is_one_line(synthetic_posterior, tiny_scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", str(tiny_scenario), "--posterior", "3", "--posterior-from", str(synthetic_posterior),
                 "--workers", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["discover", str(out), "--criterion", "mean"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "3 plausible worlds are too few" in lines[0] and lines[1].startswith("wrote")
    assert (pd.read_csv(out / "discovery.csv")["criterion"] == "mean").all()


def test_cli_folder_with_neither_table_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "summary.csv").write_text("policy,measure,mean\nreactive,trust_mean,0.5\n")
    code, lines, _ = cli(["discover", str(tmp_path)], capsys)
    assert code == 2 and len(lines) == 1 and "neither a finished sweep" in lines[0] and "--posterior N" in lines[0]
    assert not (tmp_path / "discovery.csv").exists()
    code, lines, _ = cli(["discover", str(tmp_path / "nowhere")], capsys)
    assert code == 2 and len(lines) == 1 and "no such folder" in lines[0]


def test_cli_posterior_runs_without_the_manifests_draws_is_one_line_exit_2(tmp_path, capsys):
    runs, _ = hand_runs(n_draws=3)
    runs.to_csv(tmp_path / "posterior_runs.csv", index=False)
    (tmp_path / "manifest.json").write_text(json.dumps({"resolved": {"baseline": "reactive"}}))
    code, lines, _ = cli(["discover", str(tmp_path)], capsys)
    assert code == 2 and len(lines) == 1 and "no posterior entry" in lines[0]
    assert not (tmp_path / "discovery.csv").exists()
