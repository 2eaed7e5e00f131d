"""Running scenarios: common random numbers, evaluator independence, interventions on time,
round trips, the summary, the budget check, plug-ins, the CLI, and generated scenarios."""

import copy
import hashlib
import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from conftest import SMALL, TINY_TOML
from sim.core.measures import MEASURES
from sim.core.presets import POLICY_PRESETS, PRESETS
from sim.errors import UserError
from sim.present.tables import comparison_table
from sim.results.data import ComparisonData
from sim.run.experiment import specs_for
from sim.run.single import RunSpec, build_model, run_model, run_series, run_spec
from sim.scenario.files import load_scenario, replicate_seed
from sim.storage.layout import default_out

pytestmark = pytest.mark.filterwarnings("ignore:only 1 replicate:UserWarning")

# 20x20 grid (every radius at most 9); 16 officer-days per step: reactive, proximity and
# mixed all spend exactly 16 (whole officers), so budgets are equal.


def tiny(steps=6, replicates=2, policies=("reactive", "mixed"), **top):
    d = {"name": "tiny", "steps": steps, "replicates": replicates, "seed": 7,
         "base": {"params": dict(SMALL)},
         "policies": [{"name": p, "preset": p} for p in policies]}
    d.update(top)
    return d




# ------------------------------------------------------------------ common random numbers
def test_the_same_replicate_starts_from_identical_citizens_under_every_policy():
    scenario = load_scenario(tiny(replicates=2, policies=("reactive", "proximity", "mixed")))
    specs = specs_for(scenario)
    assert [s.seed for s in specs if s.replicate == 1] == [replicate_seed(7, 1)] * 3
    models = {(s.policy, s.replicate): build_model(s) for s in specs}
    fields = ("cell", "hardship", "risk_aversion", "trust0")
    for r in range(2):
        first = models[("reactive", r)].citizens
        for policy in ("proximity", "mixed"):
            other = models[(policy, r)].citizens
            for f in fields:
                assert np.array_equal(getattr(first, f), getattr(other, f)), (policy, r, f)
    # ...and different replicates draw different citizens
    assert not np.array_equal(models[("reactive", 0)].citizens.hardship, models[("reactive", 1)].citizens.hardship)
    # the policies do differ: their officers are not the same
    assert models[("reactive", 0)].officers.proximity.sum() != models[("proximity", 0)].officers.proximity.sum()


def test_replicate_seeds_follow_the_documented_rule():
    for base, r in ((0, 0), (7, 3), (2**40, 11)):
        assert replicate_seed(base, r) == int(np.random.SeedSequence([base, r]).generate_state(1)[0])
    assert len({replicate_seed(7, r) for r in range(50)}) == 50


# ------------------------------------------------------------------ evaluator independence
def test_one_and_two_worker_processes_give_identical_results():
    d = tiny(steps=5, replicates=3)
    one = sim.run_scenario(d, workers=1, progress=False)
    two = sim.run_scenario(d, workers=2, progress=False)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    pd.testing.assert_frame_equal(one.summary, two.summary)
    assert one.maps.keys() == two.maps.keys() == {"reactive/trust", "reactive/incidents", "mixed/trust",
                                                  "mixed/incidents"}
    for k in one.maps:
        np.testing.assert_array_equal(one.maps[k], two.maps[k])
    assert one.manifest["timings"]["workers"] == 1 and two.manifest["timings"]["workers"] == 2
    ts = one.timeseries
    assert list(ts.columns[:4]) == ["policy", "replicate", "seed", "step"]
    assert len(ts) == 2 * 3 * 6
    assert list(ts.policy.unique()) == ["reactive", "mixed"]  # scenario order, not alphabetical
    assert ts.equals(ts.sort_values(["replicate", "step"]).sort_values("policy", key=lambda s: s.map(
        {"reactive": 0, "mixed": 1}), kind="stable"))


# ------------------------------------------------------------------ interventions
def test_interventions_take_effect_exactly_at_their_step():
    control = sim.run_scenario(tiny(steps=8, replicates=1, policies=("reactive",)), workers=1, progress=False)
    d = tiny(steps=8, replicates=1, policies=("reactive",),
             interventions=[{"step": 4, "shock": {"trust": -0.3}}, {"step": 6, "set": {"budget_per_cell": 0.02}}])
    d["policies"].append({"name": "switch", "preset": "reactive",
                          "interventions": [{"step": 5, "policy": "proximity"}]})
    shocked = sim.run_scenario(d, workers=1, progress=False)
    c = control.timeseries.set_index("step")
    s = shocked.timeseries[shocked.timeseries.policy == "reactive"].set_index("step")
    cols = [col for col in c.columns if col != "policy"]
    pd.testing.assert_frame_equal(s.loc[0:3, cols], c.loc[0:3, cols])      # before step 4: identical
    assert s.loc[4, "trust_mean"] < c.loc[4, "trust_mean"] - 0.15          # step 4 shows the shock
    assert (s.loc[0:5, "budget_spent"] == 16).all()                          # 0.04 * 400 cells
    assert (s.loc[6:8, "budget_spent"] == 8).all()                           # 0.02 * 400 from step 6
    w = shocked.timeseries[shocked.timeseries.policy == "switch"].set_index("step")
    assert (w.loc[1:4, "contacts"] == 0).all() and w.loc[5, "contacts"] > 0  # proximity contacts from step 5
    assert [iv["step"] for iv in shocked.manifest["resolved"]["policies"][1]["interventions"]] == [4, 5, 6]


# ------------------------------------------------------------------ round trip and the summary
def test_scenario_file_to_results_folder_to_manifest_and_back_gives_the_same_results(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_TOML)
    first = sim.run_scenario(path, workers=1, progress=False)
    out = first.save(tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "maps.npz", "summary.csv", "timeseries.parquet"]
    back = sim.load_results(out)
    pd.testing.assert_frame_equal(back.timeseries, first.timeseries)
    pd.testing.assert_frame_equal(back.summary, first.summary)
    assert back.manifest == json.loads(json.dumps(first.manifest, default=str))
    for k in first.maps:
        np.testing.assert_array_equal(back.maps[k], first.maps[k])
    again = sim.run_scenario(back.manifest["scenario"], workers=1, progress=False)
    pd.testing.assert_frame_equal(again.timeseries, first.timeseries)
    pd.testing.assert_frame_equal(again.summary, first.summary)
    r1, r2 = dict(first.manifest["resolved"]), dict(again.manifest["resolved"])
    assert r1.pop("source") == str(path.resolve()) and r2.pop("source") is None
    assert r1 == json.loads(json.dumps(r2))
    with pytest.raises(UserError, match="already exists"):
        first.save(out)


def test_summary_has_the_documented_rows_and_agrees_with_the_timeseries():
    res = sim.run_scenario(tiny(steps=8, replicates=3, window=0.5), workers=1, progress=False)
    s, ts = res.summary, res.timeseries
    assert list(s.columns) == ["policy", "measure", "window", "mean", "sd", "ci_low", "ci_high", "n", "baseline",
                               "diff_mean", "diff_sd", "diff_ci_low", "diff_ci_high"]
    expected = [*MEASURES, "incidents_cumulative", "cost_cumulative", "cost_per_incident_averted"]
    for policy in ("reactive", "mixed"):
        assert list(s[s.policy == policy].measure) == expected
    row = lambda p, m: s[(s.policy == p) & (s.measure == m)].iloc[0]  # noqa: E731
    win = ts[ts.step.between(5, 8)]
    per_rep = win.groupby(["policy", "replicate"]).tension.mean()
    assert row("mixed", "tension").window == "5-8"
    assert row("mixed", "tension")["mean"] == pytest.approx(per_rep["mixed"].mean())
    assert row("mixed", "tension").diff_mean == pytest.approx((per_rep["mixed"] - per_rep["reactive"]).mean())
    assert row("mixed", "tension").ci_low < row("mixed", "tension")["mean"] < row("mixed", "tension").ci_high
    cum = ts[ts.step >= 1].groupby(["policy", "replicate"]).incidents.sum()
    assert row("reactive", "incidents_cumulative")["mean"] == pytest.approx(cum["reactive"].mean())
    assert row("reactive", "incidents_cumulative").window == "1-8"
    base = s[s.policy == "reactive"]
    assert (base.baseline == "reactive").all()
    assert (base[base.measure != "cost_per_incident_averted"].diff_mean.fillna(0) == 0).all()
    assert np.isnan(row("reactive", "cost_per_incident_averted")["mean"])
    assert (s.n[s.measure == "trust_mean"] == 3).all()


# ------------------------------------------------------------------ equal budget
def test_unequal_budgets_are_refused_unless_allowed_and_then_flagged():
    d = tiny(steps=3, replicates=1)
    d["policies"][1]["params"] = {"budget_per_cell": 0.05}
    with pytest.raises(UserError, match=r"budgets differ.*'mixed' spends up to 25% more.*allow_unequal_budget"):
        sim.run_scenario(d, workers=1, progress=False)
    d["allow_unequal_budget"] = True
    with pytest.warns(UserWarning, match="UNEQUAL BUDGETS"):
        res = sim.run_scenario(d, workers=1, progress=False)
    check = res.manifest["budget_check"]
    assert not check["equal"] and not check["policies"]["mixed"]["within_tolerance"]
    assert check["policies"]["mixed"]["max_relative_gap"] == pytest.approx(0.25)
    assert res.manifest["warnings"] and "UNEQUAL BUDGETS" in res.table()


def test_a_budget_gap_within_the_tolerance_passes_and_is_reported():
    d = tiny(steps=2, replicates=1, policies=("reactive", "social-support"))  # 9 officers + 6.4: 15.4 of 16
    with pytest.raises(UserError, match="social-support"):
        sim.run_scenario(d, workers=1, progress=False)
    res = sim.run_scenario({**d, "budget_tolerance": 0.05}, workers=1, progress=False)
    assert res.manifest["budget_check"]["equal"]
    assert res.manifest["budget_check"]["max_relative_gap"] == pytest.approx(0.6 / 16)


# ------------------------------------------------------------------ plug-ins
def test_a_rule_plugin_is_passed_to_every_run_and_recorded(tmp_path):
    plugin = tmp_path / "calm.py"
    plugin.write_text("import numpy as np\nfrom sim.core.plugins import rule\n\n"
                      "@rule\ndef grievance(hardship, legitimacy):\n    return np.zeros_like(hardship)\n")
    path = tmp_path / "calm.toml"
    path.write_text(TINY_TOML.replace('seed = 7', 'seed = 7\nrules = "calm.py"'))
    res = sim.run_scenario(path, workers=2, progress=False)
    assert (res.timeseries.tension == 0).all() and (res.timeseries.active_fraction == 0).all()
    sha = hashlib.sha256(plugin.read_bytes()).hexdigest()
    assert res.manifest["resolved"]["rules"] == {"path": str(plugin.resolve()), "sha256": sha}
    assert res.manifest["plugin"]["sha256"] == sha and "grievance" in res.manifest["plugin"]["rules"]
    plain = sim.run_scenario(tiny(), workers=1, progress=False)
    assert (plain.timeseries.tension > 0).any()


def test_a_spec_runs_on_its_own_with_the_documented_columns():
    spec = RunSpec(policy="x", replicate=4, seed=99, params=sim.Params.build("reactive", **SMALL).to_dict(), steps=3)
    df, maps = run_spec(spec)
    assert list(df.columns[:4]) == ["policy", "replicate", "seed", "step"]
    assert (df.policy == "x").all() and (df.replicate == 4).all() and (df.seed == 99).all()
    assert list(df.step) == [0, 1, 2, 3] and maps["trust"].shape == (20, 20)


def test_one_spec_class_serves_scenarios_and_preset_runs_hashable_picklable_read_only():
    import pickle

    a = RunSpec(seed=3, steps=4, params={"width": 20, "height": 20}, policy="p")
    b = RunSpec(seed=3, steps=4, params={"height": 20, "width": 20}, policy="p")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert pickle.loads(pickle.dumps(a)) == a and pickle.loads(pickle.dumps(a)).params["width"] == 20
    with pytest.raises(TypeError, match="read-only"):
        a.params["width"] = 30
    assert RunSpec(seed=3, steps=4, params={"width": 22}) != a
    # a preset run with overrides is exactly TrustModel(preset, rng, **overrides).run(steps)
    spec = RunSpec.make("epstein-run1", 5, 6, columns=("active_fraction",), **SMALL)
    direct = sim.TrustModel("epstein-run1", rng=5, **SMALL).run(6).results
    pd.testing.assert_frame_equal(run_model(spec).results, direct)
    assert np.array_equal(run_series(spec)["series"]["active_fraction"], direct["active_fraction"].to_numpy())


def test_default_out_is_stamped_and_never_an_existing_folder(tmp_path):
    first = default_out("x", root=tmp_path)
    assert first.parent == tmp_path and first.name.startswith("x-") and not first.exists()
    first.mkdir()
    second = default_out("x", root=tmp_path)
    assert second != first and not second.exists() and second.name.startswith(first.name)
    assert default_out("sweep-a", stamped=False, root=tmp_path) == tmp_path / "sweep-a"


# ------------------------------------------------------------------ the CLI
def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_compare_prints_the_table_writes_the_folder_and_never_overwrites(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_TOML)
    res = _cli("compare", str(path), "--workers", "1", "--replicates", "3", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    for needle in ("tiny: 2 policies x 3 replicates x 6 steps", "vs reactive [95% CI]", "trust", "tension",
                   "incident rate", "cost", "(baseline)", "mixed"):
        assert needle in res.stdout
    folders = list((tmp_path / "results").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("tiny-")
    assert sorted(p.name for p in folders[0].iterdir()) == ["manifest.json", "maps.npz", "summary.csv",
                                                            "timeseries.parquet"]
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["command"] == "compare" and manifest["resolved"]["replicates"] == 3
    again = _cli("run", str(path), "--workers", "1", "--out", str(folders[0]), cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_cli_run_refuses_a_scenario_and_a_preset_together(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_TOML)
    res = _cli("run", str(path), "--preset", "mixed", "--set", "vision=3", cwd=tmp_path)
    assert res.returncode == 2 and "--preset" in res.stderr and "--set" in res.stderr
    assert not (tmp_path / "results").exists()


# ------------------------------------------------------------------ generated scenarios
SHARES = ("officers", "support", "welfare", "awareness")


@st.composite
def interventions(draw, steps):
    step = draw(st.integers(1, steps))
    kind = draw(st.sampled_from(["set", "policy", "shock"]))
    if kind == "set":
        return {"step": step, "set": {"budget_per_cell": draw(st.floats(0.0, 0.1))}}
    if kind == "policy":
        return {"step": step, "policy": draw(st.sampled_from(POLICY_PRESETS))}
    what = draw(st.sampled_from(["trust", "hardship"]))
    return {"step": step, "shock": {what: draw(st.floats(-1.0, 1.0))}}


@st.composite
def scenarios(draw):
    steps = draw(st.integers(1, 5))
    policies = []
    for i in range(draw(st.integers(1, 3))):
        pol = {"name": f"p{i}"}
        kind = draw(st.sampled_from(["preset", "shares", "plain"]))
        if kind == "preset":
            pol["preset"] = draw(st.sampled_from(POLICY_PRESETS))
        elif kind == "shares":
            w = draw(st.lists(st.integers(0, 4), min_size=4, max_size=4).filter(lambda w: sum(w) > 0))
            pol["budget_shares"] = {k: x / sum(w) for k, x in zip(SHARES, w) if x}
        if draw(st.booleans()):   # valid: at most the officers the preset leaves off hot-spot beats
            hotspot = PRESETS[pol["preset"]].params.get("hotspot_fraction", 0.0) if "preset" in pol else 0.0
            pol["proximity_fraction"] = draw(st.floats(0.0, 1.0 - hotspot))
        if draw(st.booleans()):
            pol["interventions"] = draw(st.lists(interventions(steps), max_size=1))
        policies.append(pol)
    return {"name": "generated", "steps": steps, "replicates": draw(st.integers(1, 2)),
            "seed": draw(st.integers(0, 2**40)), "window": draw(st.floats(0.01, 1.0)),
            "allow_unequal_budget": True, "base": {"params": dict(SMALL)}, "policies": policies,
            "interventions": draw(st.lists(interventions(steps), max_size=2))}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_generated_valid_scenarios_run_and_give_complete_results(d):
    original = copy.deepcopy(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = sim.run_scenario(d, workers=1, progress=False)
    assert d == original  # the input is not modified
    n_pol, reps, steps = len(d["policies"]), d["replicates"], d["steps"]
    ts = res.timeseries
    assert len(ts) == n_pol * reps * (steps + 1)
    assert list(ts.policy.unique()) == [p["name"] for p in d["policies"]]
    assert set(ts.seed) == {replicate_seed(d["seed"], r) for r in range(reps)}
    assert ts.trust_mean.between(0, 1).all() and ts.incidents.ge(0).all()
    assert len(res.summary) == n_pol * (len(MEASURES) + 3)
    first, last = res.manifest["resolved"]["window_steps"]
    assert 1 <= first <= last == steps
    assert set(res.maps) == {f"{p['name']}/{k}" for p in d["policies"] for k in ("trust", "incidents")}


# ------------------------------------------------------------------ the printed table
def test_the_table_calls_a_difference_clear_only_when_its_interval_excludes_zero_and_knows_which_way_is_better():
    def row(policy, measure, mean, diff, lo, hi):
        return {"policy": policy, "measure": measure, "window": "8-10", "mean": mean, "sd": 0.1, "ci_low": mean - 0.1,
                "ci_high": mean + 0.1, "n": 5, "baseline": "a", "diff_mean": diff, "diff_sd": 0.1,
                "diff_ci_low": lo, "diff_ci_high": hi}

    summary = pd.DataFrame([
        row("a", "trust_mean", 0.5, 0.0, 0.0, 0.0), row("b", "trust_mean", 0.6, 0.1, 0.05, 0.15),
        row("c", "trust_mean", 0.52, 0.02, -0.01, 0.05),
        row("a", "tension", 0.2, 0.0, 0.0, 0.0), row("b", "tension", 0.3, 0.1, 0.05, 0.15),
        row("c", "tension", 0.1, -0.1, -0.15, -0.00004),
    ])
    manifest = {"resolved": {"name": "t", "policies": [{"name": n, "params": {}} for n in "abc"], "baseline": "a",
                             "window_steps": [8, 10], "window": 0.25, "replicates": 5, "steps": 10, "seed": 1},
                "warnings": [], "budget_check": {"equal": True, "max_relative_gap": 0.0, "tolerance": 0.01}}
    text = comparison_table(ComparisonData(pd.DataFrame(), summary, manifest, {}))
    lines = text.splitlines()
    trust = lines[[i for i, line in enumerate(lines) if line.startswith("trust:")][0]:]
    tension = lines[[i for i, line in enumerate(lines) if line.startswith("tension:")][0]:]
    assert "(baseline)" in trust[2] and trust[3].endswith("clear: better") and trust[4].endswith("within noise")
    assert tension[3].endswith("clear: worse")                      # higher tension is worse
    assert tension[4].endswith("clear: better") and "-0.00004]" in tension[4]  # a clear bound is never shown as 0
