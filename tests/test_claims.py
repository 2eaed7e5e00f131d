"""``trustsim claims`` (issue 12): the criterion on synthetic numbers (it can come out either way),
the settings file's checks, the command end-to-end with --quick in a temporary folder, and bad
arguments as one line with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.errors import UserError
from sim.validation import claims as C

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------------ criterion
def _pair(base, diffs):
    base = np.asarray(base, dtype=float)
    return base + np.asarray(diffs, dtype=float), base


BASE = [0.80, 0.82, 0.85, 0.79, 0.84, 0.81]


def test_a_clear_improvement_above_the_threshold_holds():
    t, c = _pair(BASE, [0.05, 0.06, 0.055, 0.045, 0.05, 0.052])     # trust: higher is better, threshold 0.02
    j = C.judge(t, c, "trust_mean")
    assert j.holds and j.verdict == "holds"
    assert j.effect.low > 0.02 and j.threshold == pytest.approx(0.02)
    assert j.baseline == pytest.approx(np.mean(BASE))


def test_a_clear_but_negligible_improvement_fails():
    t, c = _pair(BASE, [0.010, 0.011, 0.012, 0.009, 0.010, 0.011])
    j = C.judge(t, c, "trust_mean")
    assert not j.holds and "negligible" in j.reason


def test_an_unclear_difference_fails_even_when_large_on_average():
    t, c = _pair(BASE, [0.30, -0.25, 0.28, -0.20, 0.25, -0.1])
    j = C.judge(t, c, "trust_mean")
    assert not j.holds and "includes 0" in j.reason and j.effect.mean > 0.02


def test_a_clear_change_the_wrong_way_is_reported_as_reversed():
    t, c = _pair(BASE, [-0.05, -0.06, -0.055, -0.045, -0.05, -0.052])
    j = C.judge(t, c, "trust_mean")
    assert not j.holds and j.reason.startswith("reversed")


def test_the_direction_comes_from_the_measure_lower_is_better_for_incidents():
    base = np.array([2.0, 2.2, 1.9, 2.1, 2.05])
    fewer = C.judge(base * 0.7, base, "incident_rate")      # 30% fewer incidents: holds (threshold 10%)
    more = C.judge(base * 1.3, base, "incident_rate")
    slightly = C.judge(base * 0.95, base, "incident_rate")  # clear, but 5% < 10% of the baseline
    assert fewer.holds and not more.holds and not slightly.holds
    assert more.reason.startswith("reversed") and "negligible" in slightly.reason
    assert fewer.threshold == pytest.approx(0.1 * base.mean())


def test_pairs_matter_the_same_shifts_unpaired_would_not_be_clear():
    rng = np.random.default_rng(0)
    c = rng.uniform(0.5, 0.95, 8)
    t = c + 0.03 + rng.normal(0, 0.002, 8)       # a tiny paired noise on a large spread between replicates
    assert C.judge(t, c, "trust_mean").holds
    assert not C.judge(t, rng.permutation(c), "trust_mean").holds


def test_too_few_replicates_never_hold_and_a_measure_without_direction_is_refused():
    assert not C.judge([0.9], [0.5], "trust_mean").holds
    assert not C.judge([0.9, np.nan], [0.5, 0.6], "trust_mean").holds
    with pytest.raises(ValueError):
        C.judge([1, 2], [0, 1], "arrests")


def _fake(claim, name, expect):
    arm = C.Arm("a", {})
    return C.Setting(claim, name, expect, "trust_mean", "", arm, arm)


def _j(holds):
    return C.Judgement(holds, "", C.Interval(0, 0, 0, 0, 2), 0.5, 0.02)


def test_a_claim_is_shown_both_ways_only_when_each_setting_comes_out_as_expected():
    results = []
    for c in C.CLAIMS:
        results += [(_fake(c, "h", "holds"), _j(True)), (_fake(c, "f", "fails"), _j(False))]
    assert all(ok for ok, _ in C.claim_status(results).values())
    results[0] = (results[0][0], _j(False))                        # C1's holds setting fails
    results[3] = (results[3][0], _j(True))                         # C2's fails setting holds
    status = C.claim_status(results)
    assert not status["C1"][0] and "holds' setting h fails" in status["C1"][1]
    assert not status["C2"][0] and "fails' setting f holds" in status["C2"][1]
    assert all(status[c][0] for c in ("C3", "C4", "C5"))


def test_the_printed_line_has_the_claim_setting_verdict_and_interval():
    text = C.line(_fake("C3", "mistargeted", "fails"), C.Judgement(False, "", C.Interval(0.5, 0.1, 0.2, 0.8, 5),
                                                                  1.0, 0.1))
    fields = [f.strip() for f in text.split("|")]
    assert fields[:3] == ["C3", "mistargeted", "fails"] and "[+0.2, +0.8]" in fields[3]


# ------------------------------------------------------------------------------------- settings
def test_the_shipped_settings_have_a_holds_and_a_fails_setting_for_every_claim():
    plan = C.load_plan()
    quick = C.load_plan(quick=True)
    for c in C.CLAIMS:
        assert {s.expect for s in plan.settings if s.claim == c} == {"holds", "fails"}
    assert all(s.rationale for s in plan.settings)
    assert quick.steps < plan.steps and quick.replicates <= plan.replicates and quick.size


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace('expect = "fails"', 'expect = "maybe"', 1), "expect"),
    (lambda t: t.replace('measure = "trust_mean"', 'measure = "arrests"', 1), "measure"),
    (lambda t: t.replace("quality_base = 0.6", "quality_bass = 0.6", 1), "quality_bass"),
    (lambda t: t.replace('expect = "fails"', 'expect = "holds"'), "missing"),
    (lambda t: t + "\n[[[", "cannot read"),
])
def test_a_bad_settings_file_is_one_line(tmp_path, edit, words):
    bad = tmp_path / "s.toml"
    bad.write_text(edit(C.SETTINGS_FILE.read_text()))
    with pytest.raises(UserError) as err:
        C.load_plan(bad)
    assert words in str(err.value) and "\n" not in str(err.value)


# ------------------------------------------------------------------------------------------ CLI
def _trustsim(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "sim.cli", "claims", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_quick_end_to_end_in_a_new_folder(tmp_path):
    out = tmp_path / "claims"
    res = _trustsim("--quick", "--out", str(out), "--workers", "2")
    assert res.returncode in (0, 1), res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.count(" | ") == 3]
    plan = C.load_plan(quick=True)
    assert len(lines) == len(plan.settings)
    verdicts = {}
    for ln, s in zip(lines, plan.settings):
        claim, name, verdict, rest = (f.strip() for f in ln.split("|"))
        assert (claim, name) == (s.claim, s.name) and verdict in ("holds", "fails") and "[" in rest
        verdicts[(claim, s.expect)] = verdict
    shown = all(verdicts[(c, "holds")] == "holds" and verdicts[(c, "fails")] == "fails" for c in C.CLAIMS)
    assert res.returncode == (0 if shown else 1)
    for f in (C.CLAIMS_MD, C.CLAIMS_CSV, C.CLAIMS_JSON, C.CLAIMS_RUNS, "manifest.json"):
        assert (out / f).is_file(), f
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["versions"]["trustsim"] and manifest["quick"] and manifest["replicates"] == plan.replicates
    data = json.loads((out / C.CLAIMS_JSON).read_text())
    assert [r["verdict"] for r in data["settings"]] == [ln.split("|")[2].strip() for ln in lines]
    md = (out / C.CLAIMS_MD).read_text()
    assert md.startswith(C.GENERATED) and all(s.name in md for s in plan.settings)
    # paired seeds: both arms of every setting ran the same replicate seeds
    assert all(len(r["treatment_values"]) == len(r["comparison_values"]) == plan.replicates for r in data["settings"])


@pytest.mark.parametrize("args, words", [
    (["--workers", "0"], "--workers"),
    (["--quick", "--write-docs"], "--write-docs"),
    (["--bogus"], "unrecognized"),
    (["--out", "/proc/claims"], "--out"),
])
def test_bad_arguments_are_one_line_exit_2(args, words):
    res = _trustsim(*args)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert len(res.stderr.strip().splitlines()) == 1 and words in res.stderr and not res.stdout


def test_an_out_folder_that_is_not_empty_is_refused_before_running(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    res = _trustsim("--quick", "--out", str(tmp_path))
    assert res.returncode == 2 and "--out" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


def test_write_docs_refuses_a_hand_written_docs_file(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "claims.md").write_text("# written by hand\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match="not generated"):
        C.check_docs_file(Path("docs") / "claims.md")
    (tmp_path / "docs" / "claims.md").write_text(C.GENERATED + "\nold table\n")
    C.check_docs_file(Path("docs") / "claims.md")
