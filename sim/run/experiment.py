"""Running scenarios: every policy x replicate, with common random numbers, on any evaluator.

    from sim.run.experiment import comparison, execute
    data = comparison()                                # experiments/compare-policies.toml
    data = execute("experiments/budget-cut.toml", workers=2)
    data.summary; data.timeseries; data.manifest; data.maps    # a sim.results.data.ComparisonData

(The user-facing ``sim.compare`` / ``sim.run_scenario`` wrap these in :class:`sim.api.Results`,
which saves, plots and reports.) A run is a :class:`sim.run.single.RunSpec` (policy, replicate,
seed, full parameters, interventions, steps, optional rule plug-in);
:func:`sim.run.single.run_spec` runs one and returns ``(timeseries, maps)``; it is a top-level
function, so any evaluator of :mod:`sim.run.evaluators` can run many. Replicate ``r`` of every
policy has the seed :func:`sim.scenario.files.replicate_seed` ``(seed, r)``, so the same
replicate starts from the same citizens under every policy (common random numbers) and
policies are compared by paired differences. Results never depend on the evaluator or the
number of workers.

Results folder (``Results.save``, ``trustsim run SCENARIO.toml``, ``trustsim compare``; file names in
:mod:`sim.storage.layout`, written by :mod:`sim.storage.comparison`):

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

Over posterior draws (``execute(..., posterior=N)``, ``trustsim compare --posterior N``;
:mod:`sim.run.posterior`): ``timeseries.parquet`` numbers the runs ``replicate = draw * replicates + r``
and has a ``draw`` column; ``summary.csv`` pools every draw's runs; ``seeds`` holds each draw's
replicate seeds and their rule; ``budget_check`` is the world with the largest gap (equal only if every
world's is); ``manifest["posterior"]`` records the posterior's source, its manifest's SHA-256 and
command, N, the particle indices and values and each world's budget gap; and two more tables
(:mod:`sim.results.posterior`):

``posterior_runs.csv``
    One row per draw, replicate (within the draw) and policy: ``draw``, ``particle``, ``replicate``,
    ``seed``, ``policy``, then the columns of :func:`sim.results.summary.per_replicate`.
``probabilities.csv``
    One row per measure (with a direction) and policy: ``p_best``, ``p_beats``, ``p_beats_practical``,
    ``diff_mean``, ``diff_p05``, ``diff_p95`` over the draws (replicates averaged within a draw).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.interventions import Intervention
from sim.core.model import TrustModel
from sim.core.params import ParamError, Params, unknown_name_message
from sim.core.plugins import Plugin, load_plugin
from sim.errors import UserError
from sim.results.data import ComparisonData
from sim.results.posterior import probabilities, runs_table
from sim.results.summary import per_replicate, summarise  # noqa: F401 -- per_replicate: experiments/students/compare_models.py
from sim.run.evaluators import Evaluator, each_result, evaluator_for, progress_bar
from sim.run.posterior import World, plain_world, posterior_draws, posterior_worlds
from sim.run.single import RunSpec, run_spec, run_timed
from sim.run.single import check_plugin as trial_run
from sim.scenario.files import Scenario, load_scenario
from sim.scenario.posterior import SEED_RULE as POSTERIOR_SEED_RULE
from sim.scenario.posterior import PosteriorDraws
from sim.storage.provenance import now_iso, provenance

DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "experiments" / "compare-policies.toml"
SEED_RULE = "seed of replicate r = numpy.random.SeedSequence([seed, r]).generate_state(1)[0], same for every policy"


# ---------------------------------------------------------------------------------- runs
def specs_for(scenario: Scenario, plugin: Plugin | None = None, plugin_policies=None, *, seeds=None,
              first: int = 0) -> list[RunSpec]:
    """Every run of ``scenario``, policy by policy (scenario order), replicate by replicate. With
    ``plugin`` (given apart from the scenario, e.g. ``trustsim compare --rules``) the runs of the
    policies in ``plugin_policies`` (None: all) use it and the others none; else the scenario's
    own ``rules``, if any, apply to every policy. ``seeds``: the replicates' seeds (default the
    scenario's); ``first``: the number of the first replicate (a posterior draw's runs start at
    ``draw * replicates``)."""
    def rules_of(name):
        if plugin is None:
            return scenario.rules, scenario.rules_sha256
        if plugin_policies is None or name in plugin_policies:
            return plugin.path, plugin.sha256
        return None, None

    return [RunSpec(policy=p.name, replicate=first + r, seed=seed, params=p.params, interventions=p.interventions,
                    steps=scenario.steps, rules=rules_of(p.name)[0], rules_sha256=rules_of(p.name)[1],
                    time_limit=scenario.time_limit)
            for p in scenario.policies for r, seed in enumerate(scenario.seeds if seeds is None else seeds)]


def run_specs(specs, *, workers: int | None = None, evaluator: Evaluator | None = None, progress: bool | None = None,
              desc: str = "runs", fn=None) -> list:
    """Run ``specs`` on ``evaluator`` (default: ``make_evaluator(workers)``); outputs in spec order.

    ``fn`` defaults to :func:`sim.run.single.run_spec`. A failed run raises: user errors (e.g. a
    bad plug-in) as they are, anything else as RuntimeError naming the run. ``progress``: a tqdm
    bar (None: in Jupyter or when stderr is a terminal, not under CI:
    :func:`sim.run.evaluators.show_progress`)."""
    specs = list(specs)
    out = [None] * len(specs)
    with evaluator_for(evaluator, workers) as ev, progress_bar(len(specs), desc, progress) as bar:
        for index, spec, result in each_result(fn or run_spec, specs, ev):
            if isinstance(result, BaseException):
                _raise_run_failure(spec, result)
            out[index] = result
            bar.update(1)
    return out


def _raise_run_failure(spec, err):
    if isinstance(err, (UserError, ParamError)):
        raise err
    what = spec.describe() if isinstance(spec, RunSpec) else repr(spec)
    raise RuntimeError(f"run of {what} failed: {type(err).__name__}: {err}") from err


# ---------------------------------------------------------------------------------- budget check
def planned_budget(scenario: Scenario) -> dict[str, np.ndarray]:
    """Budget spent per step (steps 0..steps) by each policy, from its allocation and
    interventions, without running it (replicate 0's population; the allocation does not
    depend on randomness)."""
    out = {}
    for spec in specs_for(scenario):
        if spec.replicate != 0:     # (the allocation does not depend on the seed)
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


def enforce_budget(check: dict, scenario: Scenario, when: str, label: str | None = None) -> list[str]:
    """Refuse unequal budgets (UserError) unless the scenario allows them; then the warnings."""
    if check["equal"]:
        return []
    label = label or scenario.label
    if not scenario.allow_unequal_budget:
        raise UserError([f"{label}: budgets differ ({when}): {p}; make them equal or "
                         "set allow_unequal_budget = true" for p in check["problems"]])
    return [f"UNEQUAL BUDGETS ({when}, allowed by allow_unequal_budget): {p}; "
            "differences between these policies mix the effect of the policy with that of the money"
            for p in check["problems"]]


def check_planned_budget(scenario: Scenario, when: str = "as planned",
                         label: str | None = None) -> tuple[dict, list[str]]:
    """The budget check of the policies as planned, and its warnings (UserError if refused)."""
    planned = budget_check(planned_budget(scenario), scenario.baseline, scenario.budget_tolerance,
                           scenario.allow_unequal_budget)
    return planned, enforce_budget(planned, scenario, when, label)


TRIAL_TIME_LIMIT = 60.0   # seconds for the plug-in's test run (the scenario's time_limit when smaller)


def check_plugin(scenario: Scenario, what: str = "scenario"):
    """Fail fast on a broken plug-in, before starting workers (this runs its code): load it, check
    its hash, and run a small model with it for a few steps (:func:`sim.run.single.check_plugin`),
    so that a rule returning the wrong shape is one line now, not a failure in every worker.
    Returns the plug-in or None."""
    if not scenario.rules:
        return None
    plugin = load_plugin(scenario.rules)
    if plugin.sha256 != scenario.rules_sha256:
        raise UserError(f"{scenario.rules}: the plug-in file changed since the {what} file was read; run again")
    trial_run(plugin, time_limit=min(TRIAL_TIME_LIMIT, scenario.time_limit or TRIAL_TIME_LIMIT))
    return plugin


def plugin_for(scenario: Scenario, rules=None, rules_policies=None) -> tuple[Plugin | None, list[str]]:
    """The plug-in of a run and the policies it applies to, checked before anything runs (this
    runs its code, in a short test run: one line on any mistake). ``rules``: a plug-in file given
    apart from the scenario (refused if the scenario names one too), applied to the policies named
    in ``rules_policies`` (None or empty: every policy); without it, the scenario's own ``rules``."""
    names = list(rules_policies or [])
    if rules is None:
        if names:
            raise UserError("rules_policies: names the policies a plug-in applies to, but no plug-in (rules) is given")
        plugin = check_plugin(scenario)
        return plugin, (list(scenario.policy_names) if plugin is not None else [])
    if scenario.rules:
        raise UserError(f"rules: {scenario.label} already names a rule plug-in ({scenario.rules}); "
                        "give the plug-in in one place only")
    problems = [f"rules_policies: {unknown_name_message(n, list(scenario.policy_names), what='policy')}; "
                f"the policies are {', '.join(scenario.policy_names)}" for n in names
                if n not in scenario.policy_names]
    if problems:
        raise UserError(problems)
    plugin = load_plugin(rules)
    trial_run(plugin)
    chosen = [n for n in scenario.policy_names if n in names] if names else list(scenario.policy_names)
    return plugin, chosen


# ---------------------------------------------------------------------------------- a scenario
def execute(path_or_dict, workers: int | None = None, *, overrides: dict | None = None,
            progress: bool | None = None, evaluator: Evaluator | None = None, command: str = "api",
            rules=None, rules_policies=None, posterior: int | None = None, posterior_from=None) -> ComparisonData:
    """Run every policy and replicate of a scenario (a TOML path, a dict, or a Scenario).

    ``workers``: processes (None = all cores, 1 = in this process); ``overrides``: top-level
    scenario keys replaced before validation (``{"replicates": 3, "steps": 50}``); ``rules``: a rule
    plug-in file for the policies named in ``rules_policies`` (default: all), see :func:`plugin_for`,
    recorded in ``manifest["plugin"]`` (path, sha256, rules, hooks, policies). Refuses
    (UserError) when the policies' budgets differ beyond the scenario's tolerance, unless it
    allows it, in which case the warning is in ``manifest["warnings"]`` and warned here.

    ``posterior``: N posterior draws (plausible worlds, :mod:`sim.run.posterior`) of the calibration
    folder ``posterior_from`` (None: the shipped posterior); every policy runs ``replicates`` times in
    each world, the budget is checked world by world, runs are numbered ``replicate = draw * replicates
    + r`` (the timeseries gains a ``draw`` column), and the data gains ``posterior_runs`` and
    ``probabilities`` (:mod:`sim.results.posterior`) and ``manifest["posterior"]``."""
    scenario = load_scenario(path_or_dict, overrides=overrides)
    draws = _draws(scenario, posterior, posterior_from)                       # before anything runs
    worlds = [plain_world(scenario)] if draws is None else posterior_worlds(scenario, draws)
    plugin, plugin_policies = plugin_for(scenario, rules, rules_policies)     # before anything runs
    started, t0 = now_iso(), time.perf_counter()
    notes = ["only 1 replicate: no confidence intervals (set replicates >= 2)"] if len(worlds) * scenario.replicates < 2 else []
    planned_checks = [check_planned_budget(w.scenario, label=w.label) for w in worlds]
    planned = _worst([c for c, _ in planned_checks])
    notes += _unique(n for _, ns in planned_checks for n in ns)
    specs = [spec for w in worlds for spec in specs_for(w.scenario, plugin if rules is not None else None,
                                                         plugin_policies, seeds=w.seeds, first=w.first)]
    with evaluator_for(evaluator, workers) as ev:
        outputs = run_specs(specs, evaluator=ev, progress=progress, desc=scenario.name, fn=run_timed)
        ran_on = {"evaluator": repr(ev), "workers": ev.workers}
    timeseries, maps = _assemble(scenario, specs, outputs)
    actual_checks = [_actual_budget(timeseries, w) for w in worlds]
    actual = _worst(actual_checks)
    if planned["equal"]:
        notes += _unique(n for w, c in zip(worlds, actual_checks) for n in enforce_budget(c, w.scenario, "as run", w.label))
    summary = summarise(timeseries, scenario.policy_names, scenario.baseline, scenario.window_steps, scenario.steps)
    run_times = [t for _, _, t in outputs]
    manifest = {
        "command": command, "scenario_file": scenario.source, "scenario": scenario.raw, "resolved": scenario.to_dict(),
        "plugin": {**plugin.to_dict(), "policies": plugin_policies,
                   "given": "apart from the scenario (rules=)" if rules is not None else "by the scenario"}
        if plugin is not None else None,
        "seeds": {"base_seed": scenario.seed, "replicates": scenario.seeds, "rule": SEED_RULE},
        "budget_check": {**actual, "planned": planned},
        "warnings": notes,
        "timings": {"started": started, "finished": now_iso(), "wall_time_s": round(time.perf_counter() - t0, 3),
                    "runs": len(specs), **ran_on, "run_time_s_total": round(sum(run_times), 3),
                    "run_time_s_mean": round(sum(run_times) / max(len(run_times), 1), 3)},
        **provenance(),
    }
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=3)
    if draws is None:
        return ComparisonData(timeseries, summary, manifest, maps)
    return _with_posterior(ComparisonData(timeseries, summary, manifest, maps), scenario, worlds, draws,
                           planned_checks, actual_checks)


def _draws(scenario: Scenario, posterior, posterior_from) -> PosteriorDraws | None:
    """The posterior draws asked for (None: an ordinary comparison)."""
    if posterior is None:
        if posterior_from is not None:
            raise UserError("--posterior-from: needs --posterior N, the number of posterior draws (posterior=N)")
        return None
    return posterior_draws(scenario, posterior, posterior_from)


def _unique(lines) -> list[str]:
    return list(dict.fromkeys(lines))


def _worst(checks: list[dict]) -> dict:
    """The budget check with the largest gap (the only one for an ordinary comparison); with several
    worlds it also lists every world's largest gap (``per_draw_max_relative_gap``) and is equal only if all are."""
    worst = max(checks, key=lambda c: c["max_relative_gap"])
    if len(checks) == 1:
        return worst
    return {**worst, "equal": all(c["equal"] for c in checks),
            "per_draw_max_relative_gap": [c["max_relative_gap"] for c in checks]}


def _actual_budget(timeseries: pd.DataFrame, world: World) -> dict:
    """The budget check of one world's runs as they ran (mean budget spent per step over its replicates)."""
    s = world.scenario
    mine = timeseries[(timeseries.replicate >= world.first) & (timeseries.replicate < world.first + len(world.seeds))]
    spent = {name: g.groupby("step")["budget_spent"].mean().to_numpy() for name, g in mine.groupby("policy", sort=False)}
    return budget_check(spent, s.baseline, s.budget_tolerance, s.allow_unequal_budget)


def _with_posterior(data: ComparisonData, scenario: Scenario, worlds: list[World], draws: PosteriorDraws,
                    planned_checks, actual_checks) -> ComparisonData:
    """``data`` of a comparison over posterior draws, with its ``draw`` column, ``posterior_runs``,
    ``probabilities`` and ``manifest["posterior"]`` (the draws' provenance, seeds and budget gaps)."""
    ts = data.timeseries
    ts.insert(ts.columns.get_loc("replicate") + 1, "draw", ts["replicate"] // scenario.replicates)
    runs = runs_table(ts, scenario.window_steps, scenario.replicates, draws.indices)
    probs = probabilities(runs, scenario.policy_names, scenario.baseline)
    manifest = data.manifest
    manifest["seeds"] = {"base_seed": scenario.seed, "rule": POSTERIOR_SEED_RULE,
                         "draws": [list(w.seeds) for w in worlds]}
    manifest["posterior"] = {**draws.describe(), "replicates_per_draw": scenario.replicates,
                             "runs_numbered": "replicate = draw * replicates_per_draw + r",
                             "planned_budget_max_gap": [c["max_relative_gap"] for c, _ in planned_checks],
                             "actual_budget_max_gap": [c["max_relative_gap"] for c in actual_checks]}
    return ComparisonData(ts, data.summary, manifest, data.maps, posterior_runs=runs, probabilities=probs)


def _assemble(scenario: Scenario, specs, outputs) -> tuple[pd.DataFrame, dict]:
    """The runs' timeseries in one frame (policy in scenario order, replicate, step) and the
    maps of replicate 0 of each policy."""
    order = {name: i for i, name in enumerate(scenario.policy_names)}
    timeseries = pd.concat([df for df, _, _ in outputs], ignore_index=True)
    timeseries = (timeseries.sort_values(["policy", "replicate", "step"], key=lambda s: s.map(order) if s.name == "policy" else s,
                                         kind="stable").reset_index(drop=True))
    maps = {f"{spec.policy}/{k}": v for spec, (_, m, _) in zip(specs, outputs) if spec.replicate == 0
            for k, v in m.items()}
    return timeseries, maps


def comparison(scenario=None, replicates: int | None = None, steps: int | None = None, workers: int | None = None, *,
               seed: int | None = None, progress: bool | None = None, evaluator: Evaluator | None = None,
               command: str = "api", rules=None, rules_policies=None, posterior: int | None = None,
               posterior_from=None) -> ComparisonData:
    """A policy comparison: ``scenario`` (default ``experiments/compare-policies.toml``) with
    optional replicates, steps and seed overrides, over ``posterior`` draws if given. See :func:`execute`."""
    if scenario is None:
        if not DEFAULT_SCENARIO.is_file():
            raise UserError(f"{DEFAULT_SCENARIO}: the default scenario is missing; pass a scenario file")
        scenario = DEFAULT_SCENARIO
    overrides = {"replicates": replicates, "steps": steps, "seed": seed}
    return execute(scenario, workers, overrides={k: v for k, v in overrides.items() if v is not None},
                   progress=progress, evaluator=evaluator, command=command, rules=rules,
                   rules_policies=rules_policies, posterior=posterior, posterior_from=posterior_from)
