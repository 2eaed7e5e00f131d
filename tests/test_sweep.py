"""Sweeps (issue 4): sweep-file validation, designs, run identities and seeds, the streaming store,
resume, failed runs, summaries. Everything here runs in this process (SerialEvaluator) on tiny
models; executors are compared in test_sweep_parallel.py, kill -9 in test_sweep_kill.py."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import UserError
from sim.results.stats import paired_interval, t_interval, t_intervals
from sim.results.summary import per_replicate
from sim.run.evaluators import Evaluator
from sim.run.single import run_spec
from sim.run.sweep import SweepStore, load_sweep, read_index, read_parts, run_seed, run_task, task_of
from sim.run.sweep import sweep as run_sweep

ROOT = Path(__file__).resolve().parent.parent
SMALL = dict(width=20, height=20, vision=4, officer_vision=4, response_radius=6)
TIMING = ["seconds", "cpu_seconds", "worker"]


def tiny(**over) -> dict:
    """2 points x 2 policies x 2 replicates of 4 steps on a 20x20 grid."""
    d = {"name": "tiny", "steps": 4, "replicates": 2, "seed": 5,
         "base": {"params": dict(SMALL)},
         "policies": [{"name": "reactive", "preset": "reactive"}, {"name": "proximity", "preset": "proximity"}],
         "parameters": {"negativity_bias": [2.0, 8.0]}}
    d.update(over)
    return d


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


TINY_TOML = """
name = "tiny"
steps = 4
replicates = 1
seed = 5
[base.params]
width = 20
height = 20
vision = 4
officer_vision = 4
response_radius = 6
{extra_base}
[[policies]]
name = "reactive"
preset = "reactive"
[parameters]
{parameters}
"""


# ---------------------------------------------------------------------------------- validation
def _set(path, value):
    def mutate(d):
        cur = d
        keys = path.split(".")
        for k in keys[:-1]:
            cur = cur.setdefault(k, {})
        cur[keys[-1]] = value
        return d
    return mutate


def _drop(key):
    def mutate(d):
        d.pop(key)
        return d
    return mutate


BAD = [
    (_set("paramters", 3), "paramters: unknown key (did you mean parameters?"),
    (_set("parameters", {"negativty_bias": [1.0, 2.0]}), "parameters.negativty_bias: unknown parameter (did you mean negativity_bias"),
    (_set("parameters", {"trust_step": {"range": [0.1, 5.0], "levels": 2}}), "parameters.trust_step.range: high end: expected a value in [0, 2]"),
    (_set("parameters", {"report_trust_gain": [0.1, "x"]}), "parameters.report_trust_gain.values[1]: expected a number"),
    (_set("parameters", {"geometry": {"range": [1, 2]}}), "parameters.geometry.range: expected values = [...]"),
    (_set("parameters", {"vision": {"range": [3, 5], "levels": 9}}), "parameters.vision.levels: expected at most 3 levels"),
    (_set("design", {"kind": "lhd"}), "design.kind: expected one of grid, lhs"),
    (_set("design", {"kind": "lhs"}), "design.samples: expected an integer"),
    (_set("parameters", {"trust_step": {"range": [0.1, 0.5]}}), "parameters.trust_step: expected levels = N"),
    (_set("keep_timeseries", "yes"), "keep_timeseries: expected true or false, got 'yes'"),
    (_set("remainder_to", "share_offcers"), "remainder_to: expected one of share_officers"),
    (_set("parameters", {"proximity_fraction": [0.0, 0.5]}), "parameters.proximity_fraction: the policies set proximity_fraction differently"),
    (_set("parameters", {}), "parameters: expected a table with at least one parameter"),
    (_drop("parameters"), "parameters: expected a table of parameters to vary"),
    (_set("parameters", {"trust_step": [0.1, 0.1]}), "parameters.trust_step.values: expected distinct values"),
    (_set("parameters", {"trust_step": {"range": [0.5, 0.1], "levels": 2}}), "parameters.trust_step.range: expected low < high"),
    (_set("parameters", {"trust_step": {"values": [0.1, 0.2], "levels": 2}}), "parameters.trust_step.levels: expected levels only with a range"),
    (_set("design", {"kind": "lhs", "samples": 4, "levels": 3}), "design.levels: expected levels only with kind"),
    (_set("design", {"kind": "grid", "samples": 4}), "design.samples: expected samples only with kind"),
    (_set("steps", -1), "steps: expected an integer in [1, 100000], got -1"),
    (_set("design", {"seed": -3}), "design.seed: expected an integer in [0,"),
    (_set("design", {"common_seeds": 1}), "design.common_seeds: expected true or false"),
]


@pytest.mark.parametrize("mutate,expected", BAD)
def test_malformed_sweep_reports_the_key_path(mutate, expected):
    with pytest.raises(UserError) as err:
        load_sweep(mutate(copy.deepcopy(tiny())))
    assert any(expected in line for line in err.value.problems), err.value.problems
    assert all(line.startswith("<sweep>: ") for line in err.value.problems)


def test_remainder_share_cannot_be_swept():
    d = tiny(policies=[{"name": "one", "budget_shares": {"officers": 1.0}}], remainder_to="share_support",
             parameters={"share_support": [0.0, 0.2]})
    with pytest.raises(UserError, match="remainder_to: expected a share that is not swept"):
        load_sweep(d)


def test_every_problem_at_once_on_the_cli_exit_2_nothing_written(tmp_path, capsys):
    f = write_toml(tmp_path / "bad.toml", TINY_TOML.format(extra_base="", parameters="""
negativty_bias = [1.0, 2.0]
trust_step = { range = [0.1, 5.0], levels = 2 }
[design]
kind = "lhd"
"""))
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3, err
    assert all(line.startswith(f"trustsim: error: {f}: ") for line in err)
    assert [s for s in ("parameters.negativty_bias", "parameters.trust_step.range", "design.kind")
            if not any(s in line for line in err)] == []
    assert not out.exists()


def test_bad_toml_syntax(tmp_path, capsys):
    f = write_toml(tmp_path / "bad.toml", "name = 'x'\nsteps = = 3\n")
    assert main(["sweep", str(f), "--out", str(tmp_path / "out")]) == 2
    assert "invalid TOML" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bad_options_exit_2(tmp_path, capsys):
    f = write_toml(tmp_path / "ok.toml", TINY_TOML.format(extra_base="", parameters="trust_step = [0.1, 0.2]"))
    assert main(["sweep", str(f), "--scheduler", "somewhere", "--chunk", "0", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--scheduler: expected 'local' or a Dask scheduler address like tcp://HOST:PORT" in err
    assert "--chunk: expected an integer >= 1" in err
    assert not (tmp_path / "o").exists()


def test_shipped_sweep_files_are_valid():
    trust = load_sweep(ROOT / "experiments" / "sweep-trust-sensitivity.toml")
    assert trust.factor_names == ["contact_negativity_bias", "quality_base"]
    assert trust.policies == ["reactive", "proximity", "social-support", "mixed"]
    assert trust.n_runs == trust.n_points * 4 * trust.replicates
    budget = load_sweep(ROOT / "experiments" / "sweep-budget.toml")
    assert budget.remainder_to == "share_officers" and budget.common_seeds
    for run in range(0, budget.n_runs, 7):
        p = task_of(budget, run).spec.params
        assert p["share_officers"] + p["share_support"] + p["share_welfare"] + p["share_awareness"] == pytest.approx(1.0)
        assert p["share_officers"] == pytest.approx(1.0 - task_of(budget, run).values["share_support"])


# ---------------------------------------------------------------------------------- designs and seeds
def test_grid_is_every_combination_last_parameter_fastest():
    sw = load_sweep(tiny(parameters={"negativity_bias": {"range": [1.0, 7.0], "levels": 3},
                                     "vision": {"range": [2, 4], "levels": 3}, "geometry": ["moore", "euclidean"]}))
    assert sw.n_points == 3 * 3 * 2
    assert sw.points["negativity_bias"].tolist() == [1.0] * 6 + [4.0] * 6 + [7.0] * 6
    assert sw.points["vision"].tolist()[:6] == [2, 2, 3, 3, 4, 4]
    assert sw.points["geometry"].tolist()[:2] == ["moore", "euclidean"]
    assert isinstance(sw.values(0)["vision"], int) and not isinstance(sw.values(0)["vision"], np.integer)


def test_latin_hypercube_stratifies_every_range_and_is_reproducible():
    d = tiny(parameters={"trust_step": {"range": [0.0, 1.0]}, "negativity_bias": {"range": [1.0, 9.0]},
                         "vision": {"range": [1, 4]}, "geometry": ["moore", "euclidean"]},
             design={"kind": "lhs", "samples": 8, "seed": 3})
    sw = load_sweep(d)
    assert sw.n_points == 8
    strata = np.floor(sw.points["trust_step"].to_numpy() * 8).astype(int)
    assert sorted(strata) == list(range(8))          # one point in each eighth of the range
    strata = np.floor((sw.points["negativity_bias"].to_numpy() - 1.0) / 8.0 * 8).astype(int)
    assert sorted(strata) == list(range(8))
    assert sorted(sw.points["vision"]) == [1, 1, 2, 2, 3, 3, 4, 4]   # uniform among the integers
    assert sorted(sw.points["geometry"]) == ["euclidean"] * 4 + ["moore"] * 4
    again = load_sweep(copy.deepcopy(d))
    pd.testing.assert_frame_equal(sw.points, again.points)
    other = load_sweep({**copy.deepcopy(d), "design": {"kind": "lhs", "samples": 8, "seed": 4}})
    assert not sw.points.equals(other.points)
    assert sw.sha256 != other.sha256


def test_run_identity_and_seeds():
    sw = load_sweep(tiny(replicates=3, parameters={"negativity_bias": [2.0, 4.0, 8.0]}))
    seen = set()
    for run in range(sw.n_runs):
        point, policy, rep = sw.identity(run)
        assert sw.run_number(point, policy, rep) == run
        t = task_of(sw, run)
        assert (t.point, t.policy, t.replicate) == (point, sw.policies[policy], rep)
        assert t.seed == run_seed(5, point, rep)
        seen.add((point, rep, t.seed))
    seeds = {(p, r): s for p, r, s in seen}
    assert len(set(seeds.values())) == len(seeds)   # distinct per point and replicate, shared by policies
    common = load_sweep(tiny(replicates=3, parameters={"negativity_bias": [2.0, 4.0, 8.0]},
                             design={"common_seeds": True}))
    assert {task_of(common, r).seed for r in range(common.n_runs) if task_of(common, r).replicate == 1} == {run_seed(5, 0, 1, True)}


# ---------------------------------------------------------------------------------- running
@pytest.fixture(scope="module")
def done(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweeps") / "tiny"
    return run_sweep(tiny(), workers=1, out=out, progress=False)


def test_every_run_once_with_its_identity_and_summary(done):
    runs = done.runs
    sw = load_sweep(tiny())
    assert runs["run"].tolist() == list(range(sw.n_runs))
    assert (runs["status"] == "ok").all() and (runs["error"] == "").all()
    assert runs.groupby(["point", "replicate"])["seed"].nunique().eq(1).all()   # same seed for both policies
    t = task_of(sw, 5)
    df, _ = run_spec(t.spec)                                     # the experiment layer's run, directly
    expected = per_replicate(df, sw.scenario.window_steps).iloc[0]
    row = runs.set_index("run").loc[5]
    for k, v in expected.items():
        assert row[k] == pytest.approx(v, rel=0, abs=0, nan_ok=True), k
    assert row["negativity_bias"] == t.values["negativity_bias"] == t.spec.params["negativity_bias"]
    lines = read_index(done.folder)
    assert sorted(lines["run"]) == list(range(sw.n_runs))
    files = {p.name for p in done.folder.iterdir()}
    assert {"sweep.json", "design.csv", "index.jsonl", "manifest.json", "runs.parquet", "points.csv"} <= files
    m = json.loads((done.folder / "manifest.json").read_text())
    assert m["runs"] == {"total": 8, "done": 8, "ok": 8, "failed": 0, "missing": 0}
    assert m["sessions"][-1]["versions"]["mesa"] and "git_commit" in m["sessions"][-1]


def test_points_use_the_experiment_statistics(done):
    pts, runs = done.points, done.runs
    sw = load_sweep(tiny())
    row = pts[(pts.point == 1) & (pts.policy == "proximity") & (pts.measure == "trust_mean")].iloc[0]
    mine = runs[(runs.point == 1) & (runs.policy == "proximity")].sort_values("replicate")["trust_mean"].to_numpy()
    base = runs[(runs.point == 1) & (runs.policy == "reactive")].sort_values("replicate")["trust_mean"].to_numpy()
    level, diff = t_interval(mine), paired_interval(mine, base)
    assert (row["mean"], row["n"]) == (pytest.approx(level.mean), level.n)
    assert row["ci_low"] == pytest.approx(level.low) and row["ci_high"] == pytest.approx(level.high)
    assert row["diff_mean"] == pytest.approx(diff.mean) and row["diff_ci_high"] == pytest.approx(diff.high)
    assert row["negativity_bias"] == 8.0
    n_measures = pts["measure"].nunique()
    assert len(pts) == sw.n_points * len(sw.policies) * n_measures
    assert "cost_per_incident_averted" in set(pts["measure"])


def test_vectorised_intervals_equal_sim_stats():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(50, 3, 5))
    a[rng.random(a.shape) < 0.2] = np.nan
    mean, sd, low, high, n = t_intervals(a, 0.95)
    for idx in np.ndindex(a.shape[:2]):
        ref = t_interval(a[idx])
        got = (mean[idx], sd[idx], low[idx], high[idx])
        np.testing.assert_allclose(got, (ref.mean, ref.sd, ref.low, ref.high), rtol=1e-12, equal_nan=True)
        assert n[idx] == ref.n


def test_resume_of_a_finished_sweep_runs_nothing(done):
    again = run_sweep(tiny(), workers=1, out=done.folder, progress=False)
    s = again.manifest["sessions"][-1]
    assert (s["ran"], s["done_before"], s["resumed"]) == (0, 8, True)
    pd.testing.assert_frame_equal(again.runs, done.runs)


def test_a_changed_sweep_is_refused_and_the_folder_untouched(done, tmp_path):
    before = {p: p.stat().st_mtime_ns for p in done.folder.rglob("*")}
    with pytest.raises(UserError) as err:
        run_sweep(tiny(steps=5), workers=1, out=done.folder, progress=False)
    (line,) = err.value.problems
    assert "holds the results of a different sweep" in line and "changed: scenario.steps" in line
    with pytest.raises(UserError, match="changed: parameters"):
        run_sweep(tiny(parameters={"negativity_bias": [2.0, 9.0]}), workers=1, out=done.folder, progress=False)
    assert {p: p.stat().st_mtime_ns for p in done.folder.rglob("*")} == before
    # a new name or description is not a different sweep
    again = run_sweep(tiny(name="renamed", description="same runs"), workers=1, out=done.folder, progress=False)
    assert again.manifest["sessions"][-1]["ran"] == 0
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="holds no sweep"):
        run_sweep(tiny(), workers=1, out=tmp_path / "other", progress=False)


def test_partial_files_are_never_read_and_lost_parts_are_rerun(tmp_path):
    out = tmp_path / "ts"
    first = run_sweep(tiny(keep_timeseries=True), workers=1, out=out, progress=False, chunk=3)
    parts = sorted((out / "parts").glob("part-*.parquet"))
    assert len(parts) == 3                                     # 8 runs in chunks of 3
    lost = pd.read_parquet(parts[0])["run"].tolist()
    parts[0].unlink()                                          # as if killed before its rename
    (out / "parts" / ".tmp-part-x.parquet-1-abc").write_bytes(b"PAR1 half a file")
    (out / "timeseries" / ".tmp-part-y.parquet-1-def").write_bytes(b"garbage")
    orphan = out / "timeseries" / parts[0].name                # its timeseries part survived
    assert orphan.exists()
    again = run_sweep(tiny(keep_timeseries=True), workers=1, out=out, progress=False, chunk=3)
    assert again.manifest["sessions"][-1]["ran"] == len(lost)
    assert not list(out.rglob(".tmp-*"))
    pd.testing.assert_frame_equal(again.runs.drop(columns=TIMING), first.runs.drop(columns=TIMING))
    ts = again.timeseries()
    assert len(ts) == 8 * (4 + 1) and not ts.duplicated(["run", "step"]).any()
    sw = load_sweep(tiny(keep_timeseries=True))
    df, _ = run_spec(task_of(sw, lost[0]).spec)
    got = ts[ts.run == lost[0]].drop(columns=["run", "point"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, df, check_dtype=False)
    assert len(read_index(out)) == 8


def test_a_second_sweep_on_the_same_folder_is_refused(tmp_path):
    sw = load_sweep(tiny())
    holder = SweepStore(tmp_path / "busy", sw)
    holder.open()
    try:
        with pytest.raises(UserError, match="another sweep is writing this folder"):
            run_sweep(tiny(), workers=1, out=tmp_path / "busy", progress=False)
    finally:
        holder.close()


# ---------------------------------------------------------------------------------- faults
def test_a_failing_run_is_recorded_and_the_rest_finish(tmp_path, capsys):
    # trust_initial_sd 0.2 is valid with mean 0.5 or 0.7, not with 0.97 (sd^2 >= mean (1 - mean)):
    # a parameter combination only the full parameter set reveals, at run time.
    f = write_toml(tmp_path / "fail.toml", TINY_TOML.format(extra_base="trust_initial_sd = 0.2",
                                                            parameters="trust_initial_mean = [0.5, 0.97, 0.7]"))
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--workers", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "1 run(s) failed" in err and "trust_initial_sd" in err
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["status"].tolist() == ["ok", "failed", "ok"]
    bad = runs.iloc[1]
    assert bad["trust_initial_mean"] == 0.97 and bad["error"].startswith("ParamError: trust_initial_sd")
    assert np.isnan(bad["trust_mean"]) and np.isfinite(runs.loc[[0, 2], "trust_mean"]).all()
    failed = pd.read_csv(out / "failed.csv")
    assert failed["run"].tolist() == [1] and failed["trust_initial_mean"].tolist() == [0.97]
    index = read_index(out)
    assert index.set_index("run").loc[1, "status"] == "failed" and "trust_initial_sd" in index.set_index("run").loc[1, "error"]
    # resuming does not run it again; the status still says failures happened
    assert main(["sweep", str(f), "--workers", "1", "--out", str(out)]) == 1
    m = json.loads((out / "manifest.json").read_text())
    assert m["sessions"][-1]["ran"] == 0 and m["runs"]["failed"] == 1


class FlakyEvaluator(Evaluator):
    """Runs in this process, but the first task 'loses its worker' (yields an exception without
    running), as a process pool or a cluster does when a worker dies."""

    def map_unordered(self, fn, tasks):
        for i, task in enumerate(tasks):
            yield i, (ConnectionError("worker lost") if i == 0 else fn(task))


def test_a_run_that_could_not_run_is_not_recorded_and_runs_on_resume(tmp_path):
    out = tmp_path / "flaky"
    res = run_sweep(tiny(), evaluator=FlakyEvaluator(), out=out, progress=False)
    assert res.not_run == 1 and 0 not in set(res.runs["run"]) and len(res.runs) == 7
    assert res.points is None and not (out / "runs.parquet").exists()
    assert "ConnectionError: worker lost" in res.manifest["not_run_errors"][0]
    again = run_sweep(tiny(), workers=1, out=out, progress=False)
    assert again.manifest["sessions"][-1]["ran"] == 1 and again.runs["run"].tolist() == list(range(8))


def test_run_task_records_errors_without_raising():
    sw = load_sweep(tiny())
    t = task_of(sw, 0)
    broken = type(t)(**{**t.__dict__, "spec": type(t.spec)(**{**t.spec.__dict__, "params": {"nonsense": 1}})})
    out = run_task(broken)
    assert out["status"] == "failed" and "nonsense" in out["error"] and out["outputs"] == {}


def test_model_function_sweep_through_the_same_store(tmp_path):
    res = run_sweep({"name": "f", "parameters": {"a": {"range": [0.0, 1.0]}, "b": [1, 2]},
                     "design": {"kind": "lhs", "samples": 6}}, model=_affine, workers=1, out=tmp_path / "f",
                    progress=False)
    runs = res.runs
    assert len(runs) == 6 and (runs["policy"] == "model").all()
    np.testing.assert_allclose(runs["y"], 2 * runs["a"] + runs["b"])
    assert set(res.points["measure"]) == {"y"}
    assert read_parts(tmp_path / "f" / "parts")["run"].tolist() == list(range(6))


def _affine(v):
    return 2 * v["a"] + v["b"]


def test_sweep_function_is_exported():
    import sim

    assert sim.sweep is run_sweep and callable(sim.sensitivity)
    assert "sweep" in sim.__all__ and "sensitivity" in sim.__all__


def test_unequal_budgets_are_refused_or_flagged(tmp_path):
    # on a 20x20 grid whole officers make social-support spend a few % less than reactive
    d = tiny(replicates=1, parameters={"negativity_bias": [2.0]},
             policies=[{"name": "reactive", "preset": "reactive"}, {"name": "social", "preset": "social-support"}])
    with pytest.raises(UserError, match="budgets differ .*'social'"):
        run_sweep(copy.deepcopy(d), workers=1, out=tmp_path / "refused", progress=False)
    assert not (tmp_path / "refused").exists()
    with pytest.warns(UserWarning, match="UNEQUAL BUDGETS"):
        res = run_sweep({**d, "allow_unequal_budget": True}, workers=1, out=tmp_path / "allowed", progress=False)
    assert res.manifest["warnings"] and "social" in res.manifest["warnings"][0]
