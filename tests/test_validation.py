"""The validation suite: outburst bookkeeping, statistics, the CLI's errors, and (slow) the
quick suite end to end: every Epstein check passes and the report is complete."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from sim.cli import main
from sim.core.presets import preset_params
from sim.validation import QUICK, RunSpec, build_checks, config, find_outbursts, load_runs, save_runs
from sim.validation import epstein_hysteresis as hysteresis
from sim.validation.core import mean_ci, ols
from sim.validation.epstein_experiments import CopDensityEquilibrium


def test_outbursts_follow_epsteins_definition_with_waits_between_them():
    #            0  1   2   3   4   5   6   7   8   9  10  11
    a = np.array([0, 10, 60, 80, 50, 49, 20, 51, 70, 30, 10, 90])
    o = find_outbursts(a, threshold=50)
    # first: starts at 2 (60 > 50), 50 at step 4 keeps it going, ends at 5 (49 < 50)
    assert o.starts == [2, 7] and o.ends == [5, 9]
    assert o.activations == [60 + 80 + 50, 51 + 70] and o.peaks == [80, 70]
    assert o.waits == [7 - 5, 11 - 9]        # the second wait ends at the start of an unfinished outburst
    assert o.ongoing and o.count == 2
    assert o.steps == 11 and o.steps_in_outburst == 3 + 2 + 1


def test_no_outburst_and_step_zero_are_not_counted():
    o = find_outbursts(np.array([500, 10, 20, 30]))
    assert o.count == 0 and o.waits == [] and not o.ongoing and o.per_1000_steps == 0


def test_statistics_intervals_cover_and_slopes_are_exact_on_a_line():
    ci = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert ci["lo"] < 2.5 < ci["hi"] and ci["n"] == 4
    assert np.isnan(mean_ci([3.0])["lo"])
    fit = ols([1, 2, 3, 4, 5], [3, 5, 7, 9, 11])
    assert fit["slope"] == pytest.approx(2.0) and fit["lo"] == pytest.approx(2.0)


def test_every_check_states_its_finding_source_and_criterion():
    checks = build_checks(QUICK)
    names = [c.name for c in checks]
    assert len(names) == len(set(names))
    for c in checks:
        c.specs(QUICK)
        assert c.published and c.source and c.criterion and c.configuration, c.name
    assert {c.group for c in checks if c.gating} == {"epstein", "calibration"}   # held out: gating once shipped


def test_cli_bad_worker_count_is_a_one_line_error(tmp_path, capsys):
    assert main(["validate", "--quick", "--workers", "0", "--out", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert "--workers: expected a positive integer" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert not (tmp_path / "v").exists()


def test_cli_unknown_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--bogus"])
    assert exc.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


def test_cli_refuses_a_non_empty_output_folder(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("x")
    assert main(["validate", "--quick", "--out", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "x"


def test_saved_runs_load_back_equal_so_reuse_redoes_only_the_analysis(tmp_path):
    spec = RunSpec.make("epstein-run2", 3, 5, activation="batches", activation_batches=10)
    other = RunSpec.make("reactive", 1, 5, columns=("incident_rate", "officers"), budget_per_cell=0.02)
    runs = {spec: {"series": {"actives": np.arange(6)}, "citizens": 1120, "seconds": 1.5, "cpu_seconds": 1.2},
            other: {"series": {"incident_rate": np.linspace(0, 1, 6), "officers": np.full(6, 32)}, "citizens": 1120,
                    "seconds": 1.0, "cpu_seconds": 0.9}}
    save_runs(tmp_path, runs)
    back = load_runs(tmp_path)
    assert set(back) == {spec, other}
    assert np.array_equal(back[spec]["series"]["actives"], np.arange(6))
    assert np.allclose(back[other]["series"]["incident_rate"], np.linspace(0, 1, 6))
    assert back[other]["cpu_seconds"] == 0.9


def test_fixed_density_diagnostic_says_the_order_its_runs_run_in():
    check = CopDensityEquilibrium()
    specs = check.specs(config.FULL)
    orders = {{**preset_params(s.preset), **s.overrides}["activation"] for s in specs}
    assert orders == {"sequential"}
    assert "exact random sequential" in check.configuration and "synchronous" not in check.configuration


def test_saved_runs_keep_interventions_and_the_whole_spec_so_reuse_finds_the_hysteresis_runs(tmp_path, capsys):
    cfg = dataclasses.replace(QUICK, hysteresis_reps={config.SEQUENTIAL: 1, 1: 0, 10: 0})
    specs = hysteresis.CopHysteresis(config.SEQUENTIAL).specs(cfg)
    rebel = [s for s in specs if s.interventions]
    assert rebel and rebel[0].interventions[0]["set"]["officer_density"] > 0   # started in rebellion
    calm_same_seed = RunSpec.make("epstein-run2", rebel[0].seed, rebel[0].steps, officer_density=0.0,
                                  activation="sequential")
    assert calm_same_seed != rebel[0]                                            # only the interventions differ
    full = RunSpec(seed=4, steps=7, params={"width": 20, "height": 20}, overrides={"legitimacy": 0.7},
                   interventions=({"step": 3, "set": {"legitimacy": 0.5}},), policy="mixed", replicate=2,
                   columns=("actives",), time_limit=60.0)
    runs = {s: {"series": {"actives": np.arange(s.steps + 1) + i}, "citizens": 1120, "seconds": 1.0,
                "cpu_seconds": 1.0} for i, s in enumerate(specs + [full])}
    save_runs(tmp_path, runs)
    back = load_runs(tmp_path)
    assert set(back) == set(runs) and calm_same_seed not in back
    for s, r in runs.items():
        assert np.array_equal(back[s]["series"]["actives"], r["series"]["actives"])
    # a folder from before the specs were kept whole: its runs are simulated again, said in one line
    index = json.loads((tmp_path / "runs.json").read_text())
    for r in index:
        for k in ("params", "interventions", "rules", "rules_sha256", "policy", "replicate", "time_limit"):
            r.pop(k)
    (tmp_path / "runs.json").write_text(json.dumps(index))
    assert load_runs(tmp_path) == {}
    err = capsys.readouterr().err
    assert f"{len(index)} runs in {tmp_path} were saved without their interventions" in err and len(err.splitlines()) == 1


def test_cli_reuse_without_saved_runs_is_a_one_line_error(tmp_path, capsys):
    assert main(["validate", "--quick", "--reuse", str(tmp_path), "--out", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert "--reuse" in err and "runs.json" in err and len(err.splitlines()) == 1


# --------------------------------------------------------------------------- the quick suite, once


@pytest.fixture(scope="module")
def quick_suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation") / "report"
    res = subprocess.run([sys.executable, "-m", "sim.cli", "validate", "--quick", "--workers", "2", "--out", str(out)],
                         capture_output=True, text=True)
    data = json.loads((out / "validation.json").read_text()) if (out / "validation.json").exists() else None
    return res, out, data


# Measured, not hidden (docs/validation/validation.md): under every activation order the tip after
# withdrawing officers spreads over two cuts (45-48% of the rise, 47% under the exact sequential order;
# the criterion asks 50%), and the hysteresis test (criteria fixed before measuring, 2026-12-02) finds one
# state at every officer density (largest paired gap 4 actives; 50 needed). Every other gating Epstein
# check must pass.
KNOWN_FAILING = {"epstein-cop-withdrawal-seq", "epstein-cop-hysteresis-seq"}


def _failed_gating(data):
    epstein = [c for c in data["checks"] if c["group"] == "epstein" and c["gating"]]
    assert epstein, "no gating Epstein check ran"
    return {c["name"]: f"{c['name']}: {c['verdict']} ({c['headline']})" for c in epstein if c["passed"] is not True}


@pytest.mark.slow
def test_quick_suite_epstein_checks_pass_except_the_known_withdrawal_tip(quick_suite):
    res, out, data = quick_suite
    assert data is not None, res.stderr
    failed = _failed_gating(data)
    unexpected = [text for name, text in failed.items() if name not in KNOWN_FAILING]
    assert not unexpected, "Epstein checks not passing:\n" + "\n".join(unexpected)
    assert (res.returncode == 0) == (not failed), res.stdout + res.stderr


@pytest.mark.slow
@pytest.mark.xfail(reason="KNOWN MODEL FAILURE: the cop-withdrawal tip is gradual (45-48% of the rise within two "
                          "cuts vs the 50% criterion); see docs/validation/validation.md", strict=False)
def test_quick_suite_every_epstein_check_passes_and_validate_exits_zero(quick_suite):
    res, out, data = quick_suite
    failed = _failed_gating(data)
    assert not failed, "Epstein checks not passing:\n" + "\n".join(failed.values())
    assert res.returncode == 0, res.stdout + res.stderr
    assert data["ok"] is True


@pytest.mark.slow
def test_quick_suite_writes_a_complete_report_with_provenance(quick_suite):
    res, out, data = quick_suite
    for name in ("validation.md", "validation.json", "validation.csv", "section.html", "runs.json", "runs.npz"):
        assert (out / name).stat().st_size > 0, name
    md = (out / "validation.md").read_text()
    assert "running time" in md and data["provenance"]["git_commit"] in md
    assert data["provenance"]["versions"]["mesa"].startswith("3.") and data["mode"] == "quick"
    expected = {c.name for c in build_checks(QUICK)}
    assert {c["name"] for c in data["checks"]} == expected
    for c in data["checks"]:
        assert c["verdict"] != "error", f"{c['name']}: {c['headline']}"
        if c["name"] == "calibration-held-out" and c["verdict"] == "not run":   # no shipped posterior yet
            assert not c["gating"] and "no shipped posterior" in c["headline"] and c["headline"] in md
            continue
        assert c["figure"] and (out / "figures" / c["figure"]).stat().st_size > 1000, c["name"]
        assert f"figures/{c['figure']}" in md and c["criterion"] in md
    policy = {c["name"]: c for c in data["checks"] if c["group"] == "policy"}
    assert set(policy) == {"policy-proximity-vs-reactive", "policy-negativity-bias", "policy-police-elasticity"}
    # a policy disagreement is explained in the report, not hidden
    for c in policy.values():
        if c["passed"] is False:
            assert c["discussion"] and c["discussion"][:60] in md, c["name"]
    rows = (out / "validation.csv").read_text().splitlines()
    assert len(rows) == 1 + len(expected)


def test_cop_hysteresis_passes_only_with_two_states_at_one_density(tmp_path):
    """Synthetic series: a gap of 80 actives at one density passes, the same curve from both starts fails."""
    cfg = dataclasses.replace(config.QUICK, hysteresis_reps={config.SEQUENTIAL: 3})
    check = hysteresis.CopHysteresis(config.SEQUENTIAL)
    specs = check.specs(cfg)
    n = len(specs) // 2
    assert check.gating and len(specs) == 2 * 3 * len(hysteresis.HYST_DENSITIES)
    assert all(s.interventions for s in specs[n:]) and not any(s.interventions for s in specs[:n])

    def runs_with(gap_at):
        out = {}
        for i, s in enumerate(specs):
            d = s.interventions[0]["set"]["officer_density"] if s.interventions else s.overrides["officer_density"]
            level = 400 * (1 - d / 0.04) + (80 + i % 3 if s.interventions and d == gap_at else i % 3)
            out[s] = {"series": {"actives": np.full(hysteresis.HYST_STEPS + 1, level)}, "cpu_seconds": 0.0}
        return out

    assert check.analyse(runs_with(0.02), cfg, tmp_path, {}).passed is True
    r = check.analyse(runs_with(None), cfg, tmp_path, {})
    assert r.passed is False and r.verdict == "FAIL" and r.discussion
