"""Running scenarios: every policy x replicate, with common random numbers, on any evaluator.

    import sim
    res = sim.compare()                                # experiments/compare-policies.toml
    res = sim.run_scenario("experiments/budget-cut.toml", workers=2)
    res.summary; res.timeseries; res.manifest; res.maps
    print(res.table())
    res.save("results/my-comparison")                  # refuses a non-empty folder
    res = sim.load_results("results/my-comparison")

A run is a :class:`RunSpec` (policy, replicate, seed, full parameters, interventions, steps,
optional rule plug-in); :func:`run_spec` runs one and returns ``(timeseries, maps)``; it is a
top-level function, so any evaluator of :mod:`sim.run.evaluators` can run many. Replicate ``r``
of every policy has the seed :func:`sim.scenario.files.replicate_seed` ``(seed, r)``, so the same
replicate starts from the same citizens under every policy (common random numbers) and
policies are compared by paired differences. Results never depend on the evaluator or the
number of workers.

Results folder (``Results.save``, ``trustsim run SCENARIO.toml``, ``trustsim compare``):

``timeseries.parquet``
    One row per policy, replicate and step (step 0 = the initial state, then 1..steps).
    Columns: ``policy`` (str, scenario order), ``replicate`` (0..replicates-1), ``seed``
    (the replicate's seed), ``step``, then every column of ``TrustModel.results``: the
    measures of :data:`sim.core.measures.MEASURES` (trust_mean, trust_p10, tension, active_fraction,
    incidents, incident_rate, reported_share, arrests, jailed_fraction, officer_stress,
    officers_on_duty, cost_policing, cost_programmes, cost_jail, cost_incidents, cost_total)
    and :data:`sim.core.measures.EXTRA_MEASURES` (officers, budget_spent, awareness, contacts,
    supported). Sorted by policy (scenario order), replicate, step.
``summary.csv``
    One row per policy and measure. Columns:
    ``policy``; ``measure``; ``window`` (the steps averaged or summed, ``"first-last"``);
    ``mean``, ``sd``, ``ci_low``, ``ci_high``, ``n``: across replicates (n = replicates with a
    value; sd with ddof=1; 95% Student-t interval of the mean); ``baseline`` (the baseline
    policy's name); ``diff_mean``, ``diff_sd``, ``diff_ci_low``, ``diff_ci_high``: the same for
    the per-replicate paired difference policy - baseline (0 for the baseline itself).
    Measures: each name in MEASURES (its mean over the window, the last ``window`` fraction of
    the run, per replicate); ``incidents_cumulative`` and ``cost_cumulative`` (sums of
    ``incidents`` and ``cost_total`` over steps 1..steps); ``cost_per_incident_averted``:
    (public cost of the policy - of the baseline) / (incidents of the baseline - of the policy),
    over the whole run, public cost = policing + programmes + jail (the social cost of incidents
    is left out: it is what is averted); ``mean`` is the ratio of the mean differences,
    ``ci_low``/``ci_high`` its 95% Fieller interval (NaN when the incidents averted are not clearly
    different from zero, i.e. the interval is unbounded), sd and diff_* are NaN; negative means
    the policy costs less while averting incidents (or costs more with more incidents: read it
    with incidents_cumulative). NaN for the baseline.
``maps.npz``
    ``<policy>/trust`` (height x width, trust of the citizen on each cell, NaN where empty) and
    ``<policy>/incidents`` (cumulative incidents per cell), both of replicate 0 at the end.
``manifest.json``
    ``scenario`` (the input, re-runnable: ``run_scenario(manifest["scenario"])``), ``resolved``
    (every policy's full parameters and interventions, window steps, rule plug-in path and
    sha256), ``seeds`` (base seed, per-replicate seeds and the rule), ``budget_check``,
    ``warnings``, ``timings``, ``command``, and the provenance (versions, git commit, created).
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.interventions import Intervention
from sim.core.measures import MEASURES
from sim.core.model import TrustModel
from sim.core.params import ParamError, Params
from sim.errors import UserError
from sim.results.stats import CONFIDENCE, paired_interval, ratio_interval, t_interval
from sim.run.evaluators import Evaluator, make_evaluator
from sim.scenario.files import Scenario, load_scenario
from sim.storage.folders import new_folder, write_json
from sim.storage.provenance import now_iso, provenance

DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "experiments" / "compare-policies.toml"
ID_COLUMNS = ("policy", "replicate", "seed", "step")
CUMULATIVE = ("incidents_cumulative", "cost_cumulative")
RATIO = "cost_per_incident_averted"
SUMMARY_COLUMNS = ("policy", "measure", "window", "mean", "sd", "ci_low", "ci_high", "n", "baseline",
                   "diff_mean", "diff_sd", "diff_ci_low", "diff_ci_high")
SEED_RULE = "seed of replicate r = numpy.random.SeedSequence([seed, r]).generate_state(1)[0], same for every policy"


# ---------------------------------------------------------------------------------- one run
@dataclass(frozen=True)
class RunSpec:
    """One run: picklable, so evaluators can send it to worker processes."""

    policy: str
    replicate: int
    seed: int
    params: dict
    interventions: tuple = ()
    steps: int = 100
    rules: str | None = None   # path of a rule plug-in (sim.core.plugins.load_plugin), or None
    rules_sha256: str | None = None  # if given, the plug-in file must still have this hash


def build_model(spec: RunSpec) -> TrustModel:
    """The model of ``spec`` at step 0 (the plug-in, if any, is loaded here, in the worker)."""
    rules = hooks = None
    if spec.rules:
        from sim.core.plugins import load_plugin

        plugin = load_plugin(spec.rules)
        if spec.rules_sha256 and plugin.sha256 != spec.rules_sha256:
            raise UserError(f"{spec.rules}: the plug-in file changed since the scenario was read "
                            f"(sha256 {spec.rules_sha256[:12]} became {plugin.sha256[:12]}); run again")
        rules, hooks = plugin.rules, plugin.hooks
    return TrustModel(rng=spec.seed, params=Params(**spec.params),
                      interventions=[Intervention.coerce(d) for d in spec.interventions], rules=rules, hooks=hooks)


def run_spec(spec: RunSpec) -> tuple[pd.DataFrame, dict]:
    """Run ``spec``: its timeseries (columns ``policy, replicate, seed, step`` + every column of
    ``TrustModel.results``) and its final maps (``model.maps``)."""
    model = build_model(spec)
    model.run(spec.steps)
    df = model.results
    df.insert(0, "seed", spec.seed)
    df.insert(0, "replicate", spec.replicate)
    df.insert(0, "policy", spec.policy)
    return df, model.maps


def _run_timed(spec: RunSpec):
    t0 = time.perf_counter()
    df, maps = run_spec(spec)
    return df, maps, time.perf_counter() - t0


def specs_for(scenario: Scenario) -> list[RunSpec]:
    """Every run of ``scenario``, policy by policy (scenario order), replicate by replicate."""
    return [RunSpec(policy=p.name, replicate=r, seed=seed, params=dict(p.params), interventions=p.interventions,
                    steps=scenario.steps, rules=scenario.rules, rules_sha256=scenario.rules_sha256)
            for p in scenario.policies for r, seed in enumerate(scenario.seeds)]


def run_specs(specs, *, workers: int | None = None, evaluator: Evaluator | None = None, progress: bool | None = None,
              desc: str = "runs", fn=None) -> list:
    """Run ``specs`` on ``evaluator`` (default: ``make_evaluator(workers)``); outputs in spec order.

    ``fn`` defaults to :func:`run_spec`. A failed run raises: user errors (e.g. a bad plug-in)
    as they are, anything else as RuntimeError naming the run. ``progress``: a tqdm bar on
    stderr (None: only when stderr is a terminal)."""
    from tqdm.auto import tqdm

    fn = fn or run_spec
    specs = list(specs)
    own = evaluator is None
    evaluator = evaluator or make_evaluator(workers)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    out = [None] * len(specs)
    try:
        with tqdm(total=len(specs), desc=desc, unit="run", disable=not show, file=sys.stderr, leave=False) as bar:
            for index, result in evaluator.map_unordered(fn, specs):
                if isinstance(result, BaseException):
                    _raise_run_failure(specs[index], result)
                out[index] = result
                bar.update(1)
    finally:
        if own:
            evaluator.close()
    return out


def _raise_run_failure(spec, err):
    if isinstance(err, (UserError, ParamError)):
        raise err
    what = f"policy {spec.policy!r} replicate {spec.replicate} (seed {spec.seed})" if isinstance(spec, RunSpec) else repr(spec)
    raise RuntimeError(f"run of {what} failed: {type(err).__name__}: {err}") from err


# ---------------------------------------------------------------------------------- budget check
def planned_budget(scenario: Scenario) -> dict[str, np.ndarray]:
    """Budget spent per step (steps 0..steps) by each policy, from its allocation and
    interventions, without running it (replicate 0's population; the allocation does not
    depend on randomness)."""
    out = {}
    for spec in specs_for(scenario):
        if spec.replicate != 0:
            continue
        model = TrustModel(rng=spec.seed, params=Params(**spec.params))
        spent = np.empty(scenario.steps + 1)
        step = 0
        for d in spec.interventions:
            iv = Intervention.coerce(d)
            spent[step:iv.step] = _spent(model)
            model.apply_intervention(iv)
            step = iv.step
        spent[step:] = _spent(model)
        out[spec.policy] = spent
    return out


def _spent(model) -> float:
    a = model.allocation
    return a.cost_policing + a.cost_programmes


def budget_check(spent: dict[str, np.ndarray], baseline: str, tolerance: float, allow_unequal: bool) -> dict:
    """Compare each policy's budget spent per step with the baseline's. The gap of a policy is
    the largest ``|spent - baseline spent| / baseline spent`` over the steps."""
    base = np.asarray(spent[baseline], float)
    rows, unequal = {}, []
    for name, s in spent.items():
        s = np.asarray(s, float)
        diff = np.abs(s - base)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(base > 0, diff / np.where(base > 0, base, 1), np.where(diff > 0, np.inf, 0.0))
        gap = float(rel.max()) if len(rel) else 0.0
        ok = gap <= tolerance + 1e-12
        rows[name] = {"mean_per_step": float(s.mean()), "max_relative_gap": gap, "within_tolerance": ok}
        if not ok:
            more = "more" if float((s - base)[np.argmax(rel)]) > 0 else "less"
            unequal.append(f"policy {name!r} spends up to {_pct(gap)} {more} per step than the baseline "
                           f"{baseline!r} (tolerance {_pct(tolerance)})")
    return {"equal": not unequal, "baseline": baseline, "tolerance": tolerance, "allow_unequal_budget": allow_unequal,
            "max_relative_gap": max((r["max_relative_gap"] for r in rows.values()), default=0.0),
            "policies": rows, "problems": unequal}


def _pct(x: float) -> str:
    return "infinitely" if not np.isfinite(x) else f"{100 * x:.2g}%"


def _enforce_budget(check: dict, scenario: Scenario, when: str) -> list[str]:
    if check["equal"]:
        return []
    if not scenario.allow_unequal_budget:
        raise UserError([f"{scenario.label}: budgets differ ({when}): {p}; make them equal or "
                         "set allow_unequal_budget = true" for p in check["problems"]])
    return [f"UNEQUAL BUDGETS ({when}, allowed by allow_unequal_budget): {p}; "
            "differences between these policies mix the effect of the policy with that of the money"
            for p in check["problems"]]


# ---------------------------------------------------------------------------------- summary
def per_replicate(timeseries: pd.DataFrame, window_steps) -> pd.DataFrame:
    """One row per (policy, replicate): window means of MEASURES, the cumulative measures and the
    whole-run public cost (policing + programmes + jail), indexed by (policy, replicate)."""
    first, last = window_steps
    measures = [m for m in MEASURES if m in timeseries.columns]
    keys = ["policy", "replicate"]
    win = timeseries[(timeseries.step >= first) & (timeseries.step <= last)]
    out = win.groupby(keys, sort=False)[measures].mean()
    run = timeseries[timeseries.step >= 1].groupby(keys, sort=False)
    out["incidents_cumulative"] = run["incidents"].sum()
    out["cost_cumulative"] = run["cost_total"].sum()
    out["public_cost_cumulative"] = run["cost_policing"].sum() + run["cost_programmes"].sum() + run["cost_jail"].sum()
    return out


def summarise(timeseries: pd.DataFrame, policies, baseline: str, window_steps, steps: int,
              confidence: float = CONFIDENCE) -> pd.DataFrame:
    """The ``summary.csv`` table (see the module docstring) from a timeseries."""
    reps = per_replicate(timeseries, window_steps)
    measures = [m for m in MEASURES if m in timeseries.columns]
    base = reps.loc[baseline]
    rows = []
    for policy in policies:
        mine = reps.loc[policy]
        b = base.reindex(mine.index)
        for measure in [*measures, *CUMULATIVE]:
            level = t_interval(mine[measure], confidence)
            diff = paired_interval(mine[measure].to_numpy(), b[measure].to_numpy(), confidence)
            window = f"{window_steps[0]}-{window_steps[1]}" if measure in measures else f"1-{steps}"
            rows.append({"policy": policy, "measure": measure, "window": window, "mean": level.mean, "sd": level.sd,
                         "ci_low": level.low, "ci_high": level.high, "n": level.n, "baseline": baseline,
                         "diff_mean": diff.mean, "diff_sd": diff.sd, "diff_ci_low": diff.low,
                         "diff_ci_high": diff.high})
        if policy == baseline:
            ratio = t_interval([])
        else:
            extra_cost = mine["public_cost_cumulative"].to_numpy() - b["public_cost_cumulative"].to_numpy()
            averted = b["incidents_cumulative"].to_numpy() - mine["incidents_cumulative"].to_numpy()
            ratio = ratio_interval(extra_cost, averted, confidence)
        rows.append({"policy": policy, "measure": RATIO, "window": f"1-{steps}", "mean": ratio.mean, "sd": np.nan,
                     "ci_low": ratio.low, "ci_high": ratio.high, "n": ratio.n, "baseline": baseline,
                     "diff_mean": np.nan, "diff_sd": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan})
    df = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    df["n"] = df["n"].astype(int)
    return df


# ---------------------------------------------------------------------------------- results
class Results:
    """The outcome of a scenario: ``timeseries``, ``summary``, ``manifest``, ``maps``."""

    def __init__(self, timeseries: pd.DataFrame, summary: pd.DataFrame, manifest: dict, maps: dict):
        self.timeseries, self.summary, self.manifest, self.maps = timeseries, summary, manifest, maps

    @property
    def name(self) -> str:
        return self.manifest["resolved"]["name"]

    @property
    def policies(self) -> list[str]:
        return [p["name"] for p in self.manifest["resolved"]["policies"]]

    @property
    def baseline(self) -> str:
        return self.manifest["resolved"]["baseline"]

    def save(self, out=None) -> Path:
        """Write the results folder (default ``results/<name>-<timestamp>``); never overwrites a
        non-empty folder. Returns the folder."""
        out = Path(out) if out is not None else default_out(self.name)
        with new_folder(out) as tmp:
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            self.summary.to_csv(tmp / "summary.csv", index=False)
            np.savez_compressed(tmp / "maps.npz", **self.maps)
            write_json(tmp / "manifest.json", self.manifest)
        return out

    # charts and report (sim.present.plots, sim.present.report); imported here so `import sim` does not load matplotlib
    def plot_timeseries(self, measures=None, **kw):
        from sim.present import plots
        return plots.timeseries(self, **({"measures": measures} if measures else {}), **kw)

    def plot_differences(self, **kw):
        from sim.present import plots
        return plots.forest(self, **kw)

    def plot_costs(self):
        from sim.present import plots
        return plots.costs(self)

    def plot_maps(self, **kw):
        from sim.present import plots
        return plots.maps(self, **kw)

    def figures(self):
        from sim.present import plots
        return plots.figures(self)

    def report(self, path):
        from sim.present.report import write_report
        return write_report(self, out=path)

    def headline(self) -> str:
        from sim.present.report import headline_text
        return headline_text(self)

    def table(self) -> str:
        from sim.commands.compare import comparison_table

        return comparison_table(self)

    def __repr__(self):
        r = self.manifest["resolved"]
        return (f"Results({r['name']!r}: {len(self.policies)} policies x {r['replicates']} replicates x "
                f"{r['steps']} steps; .timeseries {self.timeseries.shape}, .summary {self.summary.shape})")


def load_results(folder) -> Results:
    """Read a results folder written by :meth:`Results.save` back into a :class:`Results`."""
    import json

    folder = Path(folder)
    missing = [n for n in ("timeseries.parquet", "summary.csv", "manifest.json", "maps.npz") if not (folder / n).is_file()]
    if missing:
        raise UserError(f"{folder}: not a results folder (missing {', '.join(missing)})")
    manifest = json.loads((folder / "manifest.json").read_text())
    timeseries = pd.read_parquet(folder / "timeseries.parquet")
    summary = pd.read_csv(folder / "summary.csv", dtype={"policy": str, "measure": str, "window": str, "baseline": str})
    with np.load(folder / "maps.npz") as z:
        maps = {k: z[k] for k in z.files}
    return Results(timeseries, summary, manifest, maps)


def default_out(name: str, root="results") -> Path:
    """``results/<name>-<YYYYmmdd-HHMMSS>``, with ``-2``, ``-3``... if that already exists."""
    stem = Path(root) / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, k = stem, 1
    while out.exists():
        k += 1
        out = stem.with_name(f"{stem.name}-{k}")
    return out


# ---------------------------------------------------------------------------------- API
def run_scenario(path_or_dict, workers: int | None = None, *, overrides: dict | None = None,
                 progress: bool | None = None, evaluator: Evaluator | None = None, command: str = "api") -> Results:
    """Run every policy and replicate of a scenario (a TOML path, a dict, or a Scenario).

    ``workers``: processes (None = all cores, 1 = in this process); ``overrides``: top-level
    scenario keys replaced before validation (``{"replicates": 3, "steps": 50}``). Refuses
    (UserError) when the policies' budgets differ beyond the scenario's tolerance, unless it
    allows it, in which case the warning is in ``manifest["warnings"]`` and warned here."""
    scenario = load_scenario(path_or_dict, overrides=overrides)
    started, t0 = now_iso(), time.perf_counter()
    notes = []
    if scenario.replicates < 2:
        notes.append("only 1 replicate: no confidence intervals (set replicates >= 2)")
    planned = budget_check(planned_budget(scenario), scenario.baseline, scenario.budget_tolerance,
                           scenario.allow_unequal_budget)
    notes += _enforce_budget(planned, scenario, "as planned")
    specs = specs_for(scenario)
    plugin = None
    if scenario.rules:  # fail fast on a broken plug-in, before starting workers (this runs its code)
        from sim.core.plugins import load_plugin

        plugin = load_plugin(scenario.rules)
        if plugin.sha256 != scenario.rules_sha256:
            raise UserError(f"{scenario.rules}: the plug-in file changed since the scenario was read; run again")
    own = evaluator is None
    evaluator = evaluator or make_evaluator(workers)
    try:
        outputs = run_specs(specs, evaluator=evaluator, progress=progress, desc=scenario.name, fn=_run_timed)
    finally:
        if own:
            evaluator.close()
    order = {name: i for i, name in enumerate(scenario.policy_names)}
    timeseries = pd.concat([df for df, _, _ in outputs], ignore_index=True)
    timeseries = (timeseries.sort_values(["policy", "replicate", "step"], key=lambda s: s.map(order) if s.name == "policy" else s,
                                         kind="stable").reset_index(drop=True))
    maps = {f"{spec.policy}/{k}": v for spec, (_, m, _) in zip(specs, outputs) if spec.replicate == 0
            for k, v in m.items()}
    actual_spent = {name: g.groupby("step")["budget_spent"].mean().to_numpy()
                    for name, g in timeseries.groupby("policy", sort=False)}
    actual = budget_check(actual_spent, scenario.baseline, scenario.budget_tolerance, scenario.allow_unequal_budget)
    if planned["equal"]:
        notes += _enforce_budget(actual, scenario, "as run")
    summary = summarise(timeseries, scenario.policy_names, scenario.baseline, scenario.window_steps, scenario.steps)
    run_times = [t for _, _, t in outputs]
    wall = time.perf_counter() - t0
    manifest = {
        "command": command,
        "scenario_file": scenario.source,
        "scenario": scenario.raw,
        "resolved": scenario.to_dict(),
        "plugin": plugin.to_dict() if plugin is not None else None,
        "seeds": {"base_seed": scenario.seed, "replicates": scenario.seeds, "rule": SEED_RULE},
        "budget_check": {**actual, "planned": planned},
        "warnings": notes,
        "timings": {"started": started, "finished": now_iso(), "wall_time_s": round(wall, 3), "runs": len(specs),
                    "evaluator": repr(evaluator), "workers": evaluator.workers,
                    "run_time_s_total": round(sum(run_times), 3),
                    "run_time_s_mean": round(sum(run_times) / max(len(run_times), 1), 3)},
        **provenance(),
    }
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return Results(timeseries, summary, manifest, maps)


def compare(scenario=None, replicates: int | None = None, steps: int | None = None, workers: int | None = None, *,
            seed: int | None = None, progress: bool | None = None, evaluator: Evaluator | None = None,
            command: str = "api") -> Results:
    """Run a policy comparison: ``scenario`` (default ``experiments/compare-policies.toml``) with
    optional replicates, steps and seed overrides. See :func:`run_scenario`."""
    if scenario is None:
        if not DEFAULT_SCENARIO.is_file():
            raise UserError(f"{DEFAULT_SCENARIO}: the default scenario is missing; pass a scenario file")
        scenario = DEFAULT_SCENARIO
    overrides = {"replicates": replicates, "steps": steps, "seed": seed}
    return run_scenario(scenario, workers, overrides={k: v for k, v in overrides.items() if v is not None},
                        progress=progress, evaluator=evaluator, command=command)
