"""The report: headline sentences follow the numbers, scenario text is escaped, the page is
self-contained, the command works. Results are constructed, so the right answer is known."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.core.measures import EXTRA_MEASURES, MEASURE_INFO, MEASURES, measure_info
from sim.present import report
from sim.present.numbers import matter_decimals, measure_format
from sim.present.plots import Data
from sim.present.prose import rows_of
from sim.results.stats import paired_interval

POLICIES = ("reactive", "proximity", "social-support", "mixed")
COLUMNS = ("policy", "measure", "window", "mean", "sd", "ci_low", "ci_high", "n", "baseline", "diff_mean", "diff_sd",
           "diff_ci_low", "diff_ci_high")


def row(policy, measure, mean, half=0.01, diff=0.0, diff_half=0.01, n=10, window="76-100", baseline="reactive"):
    """One summary.csv row: level mean +- half, paired difference diff +- diff_half."""
    if policy == baseline:
        diff, diff_half = 0.0, 0.0
    return {"policy": policy, "measure": measure, "window": window, "mean": mean, "sd": half, "ci_low": mean - half,
            "ci_high": mean + half, "n": n, "baseline": baseline, "diff_mean": diff, "diff_sd": diff_half,
            "diff_ci_low": diff - diff_half, "diff_ci_high": diff + diff_half}


def manifest(policies=POLICIES, name="compare-policies", description="", steps=100, replicates=10, baseline="reactive",
             **extra):
    return {"resolved": {"name": name, "description": description, "steps": steps, "replicates": replicates,
                         "seed": 7, "baseline": baseline, "window": 0.25, "window_steps": [76, 100],
                         "policies": [{"name": p, "params": {}, "interventions": []} for p in policies]},
            "versions": {"trustsim": "0.1.0"}, "git_commit": "abc123", "created": "2025-01-01T00:00:00+00:00",
            **extra}


def data(rows, policies=POLICIES, **kw) -> Data:
    return Data(summary=pd.DataFrame(rows, columns=list(COLUMNS)), manifest=manifest(policies, **kw))


def sentences_about(d, measure):
    return " ".join(report.measure_sentences(d, measure))


# ---------------------------------------------------------------------------------- headline
def test_clear_winner_names_policy_value_difference_and_interval():
    base, best, diff, dh = 0.85, 0.90, 0.05, 0.01
    d = data([row("reactive", "trust_mean", base), row("proximity", "trust_mean", best, diff=diff, diff_half=dh),
              row("social-support", "trust_mean", 0.86, diff=0.01, diff_half=0.02),
              row("mixed", "trust_mean", 0.87, diff=0.02, diff_half=0.005)])
    text = sentences_about(d, "trust_mean")
    assert text.startswith("proximity had the highest mean trust")
    # trust is shown to 2 decimals: its practical-significance threshold is 0.02
    assert f"{best:.2f}" in text and f"{best - 0.01:.2f} to {best + 0.01:.2f}" in text   # level and its CI
    assert f"{diff:.2f} higher than reactive" in text
    assert f"95% CI +{diff - dh:.2f} to +{diff + dh:.2f}" in text
    assert "a clear difference" in text
    assert "within noise" not in text


def test_interval_including_zero_is_called_noise_not_a_win():
    d = data([row("reactive", "incident_rate", 3.0, half=0.5),
              row("proximity", "incident_rate", 3.4, half=0.5, diff=0.4, diff_half=0.3),
              row("social-support", "incident_rate", 2.5, half=0.6, diff=-0.5, diff_half=0.7),
              row("mixed", "incident_rate", 2.9, half=0.5, diff=-0.1, diff_half=0.5)])
    text = sentences_about(d, "incident_rate")
    assert text.startswith("social-support had the lowest incident rate")
    assert "includes zero" in text and "within noise" in text
    # a tenth of the baseline's 3.0 matters (0.3): one decimal
    assert "-0.5 per 1,000 citizens per day (95% CI -1.2 to +0.2)" in text
    assert "clear difference" not in text and "clearly" not in text


def test_tie_at_the_precision_shown_is_reported_as_a_tie():
    d = data([row("reactive", "trust_mean", 0.85), row("proximity", "trust_mean", 0.9001, diff=0.05),
              row("social-support", "trust_mean", 0.9004, diff=0.0504), row("mixed", "trust_mean", 0.87, diff=0.02)])
    text = sentences_about(d, "trust_mean")
    assert text.startswith("proximity and social-support tied for the highest mean trust: 0.90")
    assert "had the highest" not in text
    # each tied policy is still compared with the baseline
    assert "0.05 higher than reactive" in text


def test_exact_tie_of_three_including_the_baseline():
    d = data([row("reactive", "incident_rate", 2.0), row("proximity", "incident_rate", 2.0, diff=0.0, diff_half=0.3),
              row("social-support", "incident_rate", 2.0, diff=0.0, diff_half=0.2),
              row("mixed", "incident_rate", 2.5, diff=0.5, diff_half=0.2)])
    text = sentences_about(d, "incident_rate")
    assert text.startswith("reactive, proximity and social-support tied for the lowest incident rate")
    assert text.count("includes zero") == 2


def test_baseline_best_compares_the_closest_other_policy():
    d = data([row("reactive", "trust_mean", 0.90), row("proximity", "trust_mean", 0.88, diff=-0.02, diff_half=0.005),
              row("social-support", "trust_mean", 0.80, diff=-0.10), row("mixed", "trust_mean", 0.85, diff=-0.05)])
    text = sentences_about(d, "trust_mean")
    assert text.startswith("reactive, the baseline, had the highest mean trust")
    assert "The closest other policy, proximity (0.88), is clearly behind it: -0.02" in text


def test_no_interval_with_one_replicate():
    nan = math.nan
    rows = [row("reactive", "trust_mean", 0.85, n=1), row("proximity", "trust_mean", 0.9, diff=0.05, n=1)]
    for r in rows:
        r.update(ci_low=nan, ci_high=nan, sd=nan, diff_sd=nan)
        if r["policy"] != "reactive":
            r.update(diff_ci_low=nan, diff_ci_high=nan)
    d = data(rows, policies=("reactive", "proximity"), replicates=1)
    text = report.headline_text(d)
    assert "cannot be told from noise" in text and "single replicate" in text
    assert "clear difference" not in text


def test_runner_up_gap_is_the_paired_interval_from_the_time_series():
    rng = np.random.default_rng(3)
    reps = 6
    base = 0.8 + 0.01 * rng.standard_normal(reps)
    a = base + 0.05 + 0.002 * rng.standard_normal(reps)   # best
    b = base + 0.04 + 0.004 * rng.standard_normal(reps)   # runner-up, close (0.02 matters on trust)
    frames = []
    for pol, vals in (("reactive", base), ("proximity", a), ("mixed", b)):
        for r, v in enumerate(vals):
            frames.append(pd.DataFrame({"policy": pol, "replicate": r, "seed": r, "step": [76, 100],
                                        "trust_mean": [v, v]}))
    ts = pd.concat(frames, ignore_index=True)
    rows = []
    for pol, vals in (("reactive", base), ("proximity", a), ("mixed", b)):
        iv, dv = paired_interval(vals, np.zeros(reps)), paired_interval(vals, base)
        rows.append({**row(pol, "trust_mean", iv.mean), "ci_low": iv.low, "ci_high": iv.high, "diff_mean": dv.mean,
                     "diff_ci_low": dv.low, "diff_ci_high": dv.high})
    d = data(rows, policies=("reactive", "proximity", "mixed"))
    d.timeseries = ts
    best, second = ("proximity", "mixed") if a.mean() > b.mean() else ("mixed", "proximity")
    text = sentences_about(d, "trust_mean")
    gap = paired_interval(*((b, a) if best == "proximity" else (a, b)))      # second - best
    mf = measure_format("trust_mean", rows_of(d.summary, "trust_mean", d.policies), "reactive")
    expected = f"{mf.diff(gap.mean)} (95% CI {mf.diff_ci(gap.low, gap.high)}"
    assert f"The runner-up, {second}" in text and expected in text
    assert ("cannot be told apart" in text) == (gap.low < 0 < gap.high)


def test_runner_up_gap_of_a_whole_run_total_sums_the_steps():
    reps = 5
    per_step = {"reactive": [10, 12, 11, 13, 9], "proximity": [6, 7, 5, 8, 6], "mixed": [8, 9, 7, 9, 7]}
    frames = [pd.DataFrame({"policy": pol, "replicate": r, "seed": r, "step": [0, 1, 2], "incidents": [99, v, v]})
              for pol, vals in per_step.items() for r, v in enumerate(vals)]
    totals = {pol: 2 * np.array(vals, float) for pol, vals in per_step.items()}   # step 0 is not counted
    rows = []
    for pol, tot in totals.items():
        iv, dv = paired_interval(tot, np.zeros(reps)), paired_interval(tot, totals["reactive"])
        rows.append({**row(pol, "incidents_cumulative", iv.mean), "ci_low": iv.low, "ci_high": iv.high,
                     "diff_mean": dv.mean, "diff_ci_low": dv.low, "diff_ci_high": dv.high})
    d = data(rows, policies=("reactive", "proximity", "mixed"))
    d.timeseries = pd.concat(frames, ignore_index=True)
    text = sentences_about(d, "incidents_cumulative")
    gap = paired_interval(totals["mixed"], totals["proximity"])
    mf = measure_format("incidents_cumulative", rows_of(d.summary, "incidents_cumulative", d.policies), "reactive")
    assert text.startswith("proximity had the lowest incidents over the run")
    assert f"The runner-up, mixed ({mf.level(totals['mixed'].mean())}), " in text
    assert f"{mf.diff(gap.mean)} incidents (95% CI {mf.diff_ci(gap.low, gap.high)}" in text


def _numbers(text):
    """Every number written in the text (signs and thousands separators kept), with its decimals."""
    out = []
    pattern = r"(?<=[\s(\[])[+-]\d[\d,]*(?:\.(\d+))?|(?<![\w.+-])\d[\d,]*(?:\.(\d+))?"
    for m in re.finditer(pattern, text):
        out.append((float(m.group(0).replace(",", "")), len(m.group(1) or m.group(2) or "")))
    return out


def test_every_number_of_the_headline_is_in_the_summary():
    rng = np.random.default_rng(11)
    rows = []
    for m in ("trust_mean", "incident_rate", "cost_cumulative"):
        scale = {"trust_mean": 0.9, "incident_rate": 4.0, "cost_cumulative": 2500.0}[m]
        for p in POLICIES:
            mean = scale * (1 + 0.1 * rng.standard_normal())
            rows.append(row(p, m, mean, half=abs(0.02 * scale * rng.standard_normal()),
                            diff=0.05 * scale * rng.standard_normal(), diff_half=0.04 * scale * rng.random()))
    d = data(rows)
    s = d.summary
    known = list(s[["mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high"]].to_numpy().ravel())
    known += [abs(x) for x in known] + [76, 100, 25, 95, 10, 100, len(POLICIES), 1000, 0, 1]
    for value, dec in _numbers(report.headline_text(d)):
        assert any(round(k, dec) == value or abs(round(k, dec) - value) < 10 ** -dec / 2 + 1e-12 for k in known), \
            f"{value} (with {dec} decimals) is not a number of the summary"


def test_unequal_budget_warning_in_headline():
    d = data([row("reactive", "trust_mean", 0.85), row("proximity", "trust_mean", 0.9, diff=0.05)],
             policies=("reactive", "proximity"), budget_check={"equal": False, "max_relative_gap": 0.04, "tolerance": 0.01})
    assert "did not spend equal budgets" in report.headline_text(d)


# ---------------------------------------------------------------------------------- costs
def test_cost_sentences_follow_the_incidents_interval():
    rows = [row("reactive", "incidents_cumulative", 100, half=5),
            row("proximity", "incidents_cumulative", 90, diff=-10, diff_half=3),      # clearly averted
            row("social-support", "incidents_cumulative", 99, diff=-1, diff_half=4),  # within noise
            row("mixed", "incidents_cumulative", 120, diff=20, diff_half=5)]          # clearly more
    for p, (m, lo, hi) in {"reactive": (math.nan,) * 3, "proximity": (-12.5, -20.0, -8.0),
                           "social-support": (40.0, math.nan, math.nan), "mixed": (-3.0, -5.0, -1.0)}.items():
        rows.append({**row(p, "cost_per_incident_averted", m), "ci_low": lo, "ci_high": hi})
    out = {s.split(":")[0].lower(): s for s in report.cost_sentences(data(rows))}
    assert all(s[0].isupper() for s in out.values())                  # sentences start with a capital
    assert "10 incidents averted per run (95% CI 7 to 13)" in out["proximity"]
    assert "-12.5 officer-days per incident averted (95% CI -20.0 to -8.0)" in out["proximity"]
    assert "saving" in out["proximity"]
    assert "includes zero" in out["social-support"] and "no cost per incident averted" in out["social-support"]
    assert "20 more incidents per run" in out["mixed"] and "nothing was averted" in out["mixed"]


# ---------------------------------------------------------------------------------- page
EVIL = "<script>alert(1)</script>"


def test_scenario_text_is_escaped():
    rows = [row(p, "trust_mean", 0.8 + 0.01 * i, diff=0.01 * i) for i, p in enumerate(POLICIES)]
    d = data(rows, name=EVIL, description='<img src=x onerror="alert(2)"> & more',
             warnings=['policy "<b>x</b>" spends more'], command="trustsim compare </code><script>alert(3)</script>")
    page = report.build_html(d, figures={})
    assert "<script" not in page.lower()          # no script at all, escaped or injected
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; more" in page
    assert "<b>x</b>" not in page
    assert "default-src 'none'" in page           # the CSP forbids any other source


def test_page_is_self_contained(tmp_path):
    rows = [row(p, m, 0.8 + 0.01 * i, diff=0.01 * i) for i, p in enumerate(POLICIES)
            for m in ("trust_mean", "incident_rate", "cost_cumulative", "incidents_cumulative")]
    page = report.build_html(data(rows), figures={})
    urls = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page)
    assert urls and all(u.startswith("data:") for u in urls), urls
    assert "http://" not in page and "https://" not in page and "@import" not in page and "url(" not in page
    assert "@media print" in page


def test_report_command_writes_the_page_and_prints_the_headline(tmp_path, capsys):
    rows = [row(p, m, 0.8 + 0.01 * i, diff=0.01 * i) for i, p in enumerate(POLICIES)
            for m in ("trust_mean", "incident_rate")]
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(tmp_path / "summary.csv", index=False)
    import json

    (tmp_path / "manifest.json").write_text(json.dumps(manifest()))
    assert main(["report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    page = (tmp_path / "report.html").read_text()
    assert "Mixed did best on mean trust" in out                      # the bottom line, printed
    assert "Mixed did best on mean trust" in page
    assert "Mixed had the highest mean trust" in page                  # the findings in words, folded


def test_report_command_on_a_missing_folder_is_a_one_line_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such results folder" in err[0]
    assert main(["report", str(tmp_path)]) == 2      # exists, but empty
    assert "not a results folder" in capsys.readouterr().err


def test_number_formatting():
    assert report.num(-0.0004, 3) == "0.000" and report.num(-0.0004, 3, sign=True) == "+0.000"
    assert report.num(12345.6, 0) == "12,346" and report.num(float("nan"), 2) == "n/a"
    assert report.decimals([0.8123]) == 3 and report.decimals([812.3]) == 0 and report.decimals([]) == 2
    assert report.diff_decimals([-2.4, -10.2, 5.4]) == 1


# ---------------------------------------------------------------------------------- sweeps
def sweep_data():
    diffs = [(0.1, 0.05, 0.15), (-0.05, -0.1, -0.01), (0.01, -0.02, 0.04), (0.02, -0.01, 0.05)]
    rows = []
    for point, ((w, b), (dm, lo, hi)) in enumerate(zip([(1.0, 5), (1.0, 6), (2.0, 5), (2.0, 6)], diffs)):
        for pol in ("reactive", "proximity"):
            own = pol == "proximity"
            rows.append({"point": point, "w": w, "b": b, "policy": pol, "measure": "trust_mean", "window": "76-100",
                         "mean": 0.8 + (dm if own else 0), "ci_low": 0.7, "ci_high": 0.9, "baseline": "reactive",
                         "diff_mean": dm if own else 0.0, "diff_ci_low": lo if own else 0.0,
                         "diff_ci_high": hi if own else 0.0})
    meta = {"resolved": {"name": "my-sweep", "description": "", "seed": 1, "replicates": 5, "n_points": 4,
                         "parameters": [{"name": "w", "type": "float", "values": [1.0, 2.0]},
                                        {"name": "b", "type": "int", "values": [5, 6]}],
                         "design": {"kind": "grid"},
                         "scenario": {"steps": 100, "baseline": "reactive", "window_steps": [76, 100],
                                      "policies": [{"name": "reactive", "params": {}},
                                                   {"name": "proximity", "params": {}}]}}}
    return Data(points=pd.DataFrame(rows), sweep_meta=meta,
                manifest={"sweep": "my-sweep", "runs": {"total": 40, "ok": 39, "failed": 1, "missing": 0}})


def test_sweep_headline_counts_clear_and_noisy_points():
    d = sweep_data()
    text = report.headline_text(d)
    assert "This sweep varied w (1, 2) and b (5, 6) on a full grid: 4 design points x 2 policies x 5 replicates" in text
    assert "1 run(s) failed" in text
    assert ("Proximity minus reactive in mean trust ranged from -0.05 (at w = 1, b = 6) to +0.10 (at w = 1, b = 5)"
            in text)                                                 # rounded to trust's threshold, 0.02
    assert "clearly higher at 1, clearly lower at 1 and within noise at 2 of the 4 points" in text


def test_sensitivity_sentences_say_when_the_ranking_is_not_clear():
    base = {"method": "sobol", "measure": "trust_mean", "policy": "proximity", "kind": "difference",
            "baseline": "reactive", "n_points": 64}
    clear = pd.DataFrame([{**base, "parameter": "a", "ST": 0.7, "ST_ci_low": 0.6, "ST_ci_high": 0.8},
                          {**base, "parameter": "b", "ST": 0.1, "ST_ci_low": 0.0, "ST_ci_high": 0.2}])
    text = " ".join(report.sensitivity_sentences(Data(indices=clear)))
    assert "a has the largest total effect ST, 0.70 (95% CI 0.60 to 0.80), ahead of b (0.10)." in text
    assert "not clear" not in text
    overlap = clear.assign(ST_ci_low=[0.05, 0.0], ST_ci_high=[1.2, 0.5])
    assert "this ranking is not clear" in " ".join(report.sensitivity_sentences(Data(indices=overlap)))


def test_sweep_page_is_escaped_and_warns_about_failed_runs():
    d = sweep_data()
    d.sweep_meta["resolved"]["description"] = EVIL
    page = report.build_html(d, figures={})
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    assert "1 of 40 runs failed" in page and "<code>my-sweep</code>" in page
    assert "<title>&lt;script&gt;" in page                            # the title is the description


def test_write_report_from_an_object(tmp_path):
    d = data([row("reactive", "trust_mean", 0.85), row("proximity", "trust_mean", 0.9, diff=0.05)],
             policies=("reactive", "proximity"))
    with pytest.raises(report.UserError, match="were not saved"):
        report.write_report(d)
    path = report.write_report(d, out=tmp_path / "r.html")
    assert "Proximity did best on mean trust" in path.read_text()


# ---------------------------------------------------------------------------------- one source of measure metadata
SUMMARY_ONLY = ("incidents_cumulative", "cost_cumulative", "cost_per_incident_averted")


def test_every_measure_has_metadata_with_direction_range_and_a_practical_threshold():
    for m in (*MEASURES, *EXTRA_MEASURES, *SUMMARY_ONLY):
        mi = MEASURE_INFO[m]
        assert mi.better in (-1, 0, 1) and mi.label and mi.short and mi.description, m
        lo, hi = mi.range
        assert lo is None or hi is None or lo < hi, m
        assert mi.threshold is not None and mi.threshold > 0, m
        if mi.relative:
            assert mi.threshold < 1, m                          # a share of the baseline's value
        elif mi.range == (0, 1):
            assert mi.threshold <= 0.1, m                       # a few points on a 0-1 scale
        assert mi.scale > 0, m
    assert measure_info("not_a_measure").better == 0 and measure_info("not_a_measure").threshold is None


def test_charts_tables_and_report_read_the_one_source():
    from sim.present import plots
    from sim.present.tables import TABLE_MEASURES

    for m in (*MEASURES, *SUMMARY_ONLY):
        assert report.info(m) == plots.info(m) == MEASURE_INFO[m].as_tuple()
        assert report.better(m) == MEASURE_INFO[m].better
    for m in TABLE_MEASURES:
        assert m in MEASURE_INFO


def test_a_practical_threshold_is_absolute_or_relative_to_the_baseline():
    trust, rate = MEASURE_INFO["trust_mean"], MEASURE_INFO["incident_rate"]
    assert trust.matters(trust.threshold * 1.01) and not trust.matters(trust.threshold * 0.99)
    assert trust.matters(-trust.threshold * 1.01)                       # either direction
    assert rate.matters(0.2, baseline=1.0) is (0.2 >= rate.threshold)
    assert rate.matters(0.2, baseline=100.0) is (0.2 >= 100 * rate.threshold)
    assert rate.matters(0.2) is None and rate.matters(0.2, baseline=0.0) is None and trust.matters(math.nan) is None


# ---------------------------------------------------------------------------------- one formatter, one "clear"
class _Res:
    def __init__(self, summary, m):
        self.summary, self.manifest = summary, m
        self.policies = [p["name"] for p in m["resolved"]["policies"]]
        self.baseline = m["resolved"]["baseline"]


def test_the_printed_table_formats_numbers_like_the_report_and_labels_from_the_metadata():
    from sim.present.tables import comparison_table

    pols = ("reactive", "mixed")
    rows = [row("reactive", "cost_total", 21597.6, half=150.0), row("mixed", "cost_total", 18946.9, half=120.0,
                                                                   diff=-2650.7, diff_half=400.0),
            row("reactive", "trust_mean", 0.8), row("mixed", "trust_mean", math.nan)]
    m = manifest(pols, budget_check={"equal": False, "max_relative_gap": 0.05, "tolerance": 0.01})
    text = comparison_table(_Res(pd.DataFrame(rows, columns=list(COLUMNS)), m))
    cost = MEASURE_INFO["cost_total"]
    assert f"{cost.short}: {cost.description}; lower is better" in text
    assert f"{report.num(21597.6, 0)} [{report.num(21447.6, 0)}, {report.num(21747.6, 0)}]" in text   # "21,598 [...]"
    assert "n/a [n/a, n/a]" in text and "nan" not in text
    assert "Budget per step: NOT EQUAL (largest gap 5%, tolerance 1%)." in text
    assert "clear: better" in text
    d = data(rows, pols, budget_check={"equal": False})
    assert any("did not spend equal budgets" in s for s in report.headline(d))


def test_clear_is_the_interval_excluding_zero_everywhere():
    from sim.present.numbers import is_clear
    from sim.present.tables import _verdict
    from sim.results.stats import Interval

    rng = np.random.default_rng(3)
    for lo, hi in [*np.sort(rng.normal(size=(50, 2)), axis=1), (0.0, 1.0), (-1.0, 0.0), (math.nan, 1.0)]:
        expected = None if not (math.isfinite(lo) and math.isfinite(hi)) else Interval(0, 0, lo, hi, 2).excludes_zero
        assert is_clear(lo, hi) is expected
        r = {"policy": "p", "diff_mean": (lo + hi) / 2, "diff_ci_low": lo, "diff_ci_high": hi}
        words = report.verdict(r, "trust_mean", "base")
        assert (words.startswith("clearly") or words == "negligible", words == "within noise") == \
            (expected is True, expected is False)
        assert _verdict(r, +1).startswith("clear") == (expected is True)


# ---------------------------------------------------------------------------------- the bottom line and honest numbers
def _comparison(n=10):
    """trust: mixed clearly and meaningfully better, proximity clearly but negligibly (0.004 < 0.02);
    incident rate: proximity four times reactive but within noise; cost: social-support clearly cheaper."""
    rows = [row("reactive", "trust_mean", 0.871, half=0.002, n=n),
            row("proximity", "trust_mean", 0.875, half=0.002, diff=0.004, diff_half=0.001, n=n),
            row("social-support", "trust_mean", 0.872, half=0.002, diff=0.001, diff_half=0.003, n=n),
            row("mixed", "trust_mean", 0.906, half=0.002, diff=0.035, diff_half=0.002, n=n),
            row("reactive", "incident_rate", 0.25, half=0.4, n=n),
            row("proximity", "incident_rate", 1.0, half=1.5, diff=0.75, diff_half=1.6, n=n),
            row("social-support", "incident_rate", 0.24, half=0.1, diff=-0.01, diff_half=0.2, n=n),
            row("mixed", "incident_rate", 0.26, half=0.1, diff=0.01, diff_half=0.2, n=n),
            row("reactive", "cost_total", 177.0, half=3.0, n=n),
            row("proximity", "cost_total", 178.0, half=3.0, diff=1.0, diff_half=4.0, n=n),
            row("social-support", "cost_total", 152.0, half=2.0, diff=-25.0, diff_half=4.0, n=n),
            row("mixed", "cost_total", 153.0, half=2.0, diff=-24.0, diff_half=30.0, n=n),
            row("reactive", "incidents_cumulative", 100.0, half=5, n=n),
            row("proximity", "incidents_cumulative", 300.0, half=50, diff=200.0, diff_half=250.0, n=n),
            row("social-support", "incidents_cumulative", 99.0, half=5, diff=-1.0, diff_half=4.0, n=n),
            row("mixed", "incidents_cumulative", 98.0, half=5, diff=-2.0, diff_half=4.0, n=n)]
    for p in POLICIES:
        rows.append({**row(p, "cost_per_incident_averted", 35000.0 if p == "proximity" else math.nan, n=n),
                     "ci_low": math.nan, "ci_high": math.nan})
    return data(rows, replicates=n)


def test_bottom_line_names_the_best_where_it_matters_and_every_notable_result():
    from sim.present.bottom_line import bottom_line

    bullets = bottom_line(_comparison())
    assert 3 <= len(bullets) <= 5 and all(b[0].isupper() for b in bullets)
    trust, incidents, cost = bullets[:3]
    assert trust.startswith("Mixed did best on mean trust") and "+0.035" in trust
    assert "proximity differed clearly but negligibly (+0.004" in trust and "0.02" in trust
    assert incidents.startswith("No policy clearly lowered incident rate")
    assert "proximity's was 4.0 times reactive's" in incidents and "95% CI -0.85 to +2.35" in incidents
    assert "within noise" in incidents
    assert cost.startswith("Social-support did best on total cost") and "mixed" in cost
    assert any(b.startswith("How sure: 10 replicates") for b in bullets)
    assert bullets[-1].startswith("What would flip it") and "quality_base" in bullets[-1]


def test_a_clear_but_negligible_difference_reads_negligible_everywhere():
    from sim.present.tables import comparison_table

    d = _comparison()
    table = report.summary_table(d)
    prox = re.search(r"<td class='p'>proximity</td>.*?</tr>", table).group(0)      # the first: trust
    assert "negligible" in prox and "clearly" not in prox
    only = data([row("reactive", "trust_mean", 0.871), row("proximity", "trust_mean", 0.875, diff=0.004, diff_half=0.001)],
                policies=("reactive", "proximity"))
    assert "clear but negligible, below the 0.02 that matters" in " ".join(report.measure_sentences(only, "trust_mean"))
    printed = comparison_table(_Res(d.summary, d.manifest))
    assert "clear but negligible" in printed


def test_intervals_never_collapse_and_are_cut_at_what_is_possible():
    rows = [row("reactive", "trust_mean", 0.8712, half=0.0003), row("mixed", "trust_mean", 0.9061, half=0.0002,
                                                                     diff=-0.0142, diff_half=0.0003),
            row("reactive", "incident_rate", 0.35, half=0.53), row("mixed", "incident_rate", 0.08, half=0.07,
                                                                   diff=-0.27, diff_half=0.69)]
    d = data(rows, policies=("reactive", "mixed"))
    text = report.headline_text(d) + report.summary_table(d)
    for lo, hi in re.findall(r"(-?\+?[\d.,]+)(?: to |, )(-?\+?[\d.,]+)", text):
        assert lo != hi or lo.strip("+-0.") == "", (lo, hi)                # an interval is never one number
    assert "0.35 <span class='ci'>[0.00, 0.88]</span>" in text                # not -0.18: cut at 0
    assert "-0.18" not in text
    tiny = data([row("reactive", "officer_stress", 0.00035, half=0.00005),
                 row("mixed", "officer_stress", 0.00001, half=0.000005, diff=-0.00034, diff_half=0.00005)],
                policies=("reactive", "mixed"))
    table = report.summary_table(tiny)
    assert table.count("&lt; 0.01") == 2 and "0.00035" not in table     # far below what matters (0.05): "< 0.01"
    assert "negligible" in table


def test_few_replicates_warn_at_the_top_and_the_appendix_is_formatted_and_folded():
    page = report.build_html(_comparison(n=3), figures={})
    top = page[:page.index("id=\"bottom-line\"")]
    assert "Warning:</strong> only 3 replicates" in top
    assert "only 10 replicates" not in report.build_html(_comparison(n=10), figures={})
    appendix = page[page.index("id='appendix'"):]
    assert appendix.startswith("id='appendix'><summary>") and "<details" in page[page.index("id='appendix'") - 40:]
    assert not re.search(r"\d[eE][+-]\d", appendix)                       # no scientific notation
    assert "35,000" not in appendix and "not given: no clear reduction in incidents" in appendix


def test_bidi_and_control_characters_never_reach_the_page():
    d = _comparison()
    d.manifest["resolved"]["description"] = "Evil \u202eexe.txt\u202c policy\x1b[31m"
    d.manifest["warnings"] = ["note \u2066isolated\u2069"]
    page = report.build_html(d, figures={})
    assert not any(ch in page for ch in "\u202e\u202c\u2066\u2069\x1b")
    assert "Evil \\u202eexe.txt" in page


def test_sweep_bottom_line_is_one_sentence_per_bullet_with_how_sure():
    from sim.present.bottom_line import bottom_line

    bullets = bottom_line(sweep_data())
    assert bullets[0].startswith("This sweep varied w (1, 2) and b (5, 6)") and bullets[0].count(". ") == 0
    assert any(b.startswith("Proximity minus reactive in mean trust ranged") for b in bullets)
    assert bullets[-1].startswith("How sure: 5 replicates per design point")
    assert all(b[0].isupper() for b in bullets) and 2 <= len(bullets) <= 5


def test_matter_decimals_of_a_relative_threshold_needs_a_baseline():
    """A relative threshold (incident rate: a share of the baseline's level) has no decimals without a
    baseline level, instead of failing (trustsim report SWEEP_DIR called it so)."""
    assert matter_decimals("incident_rate") is None
    assert matter_decimals("incident_rate", 1.0) is not None
