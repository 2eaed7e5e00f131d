"""Calibration end to end: screening, ABC-SMC fit (pyabc), posterior predictive, outputs; resumable.

    from sim.calibration.fit import calibrate
    res = calibrate("results/calibration", quick=True, workers=2)
    res.posterior          # the last generation's particles with their weights
    res.diagnostics        # per generation: particles, simulations, acceptance rate, ESS, epsilon, seconds
    res.predictive         # posterior-predictive statistics of every ready target

Output folder: ``manifest.json`` (provenance, settings, priors, selected parameters, status),
``screening.csv`` (+ ``screening_points.csv``, ``screening.json``), ``abc.db`` (pyabc's database: every
generation), ``posterior.parquet`` (last generation: parameters, ``weight``, ``generation``, ``distance``),
``diagnostics.csv``, ``predictive.csv`` (posterior draws and, for comparison, runs at today's defaults),
``report.csv`` (each statistic's posterior predictive against its band) and figures (``marginals.png``,
``pairwise.png``, ``predictive.png``).

Resuming: pyabc writes each generation to ``abc.db`` when it is complete. Running the same command
again on the same folder reloads the run (``ABCSMC.load(db, id)``) and continues from the last complete
generation; the screening resumes from its saved points. A folder holding a calibration with other
settings is refused (one-line error).

Generations run one ``ABCSMC.run(max_nr_populations=1)`` call at a time, so a fresh run and a resumed
one follow the same code path; the run stops at ``generations`` or when epsilon reaches ``min_epsilon``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
from pyabc.weighted_statistics import effective_sample_size

from sim.calibration.priors import Prior, candidate_names, prior, priors
from sim.calibration.report import predictive_report, write_figures
from sim.calibration.results import RUN_MARKER, CalibrationResult, check_out, load_result
from sim.calibration.results import collect as _collect
from sim.calibration.sampler import OrderedSampler
from sim.calibration.screening import screen, screening_summary, selected_parameters
from sim.calibration.simulator import Simulator, StandardisedDistance, evaluate
from sim.calibration.targets import load_targets
from sim.core.params import unknown_name_message
from sim.errors import UserError
from sim.run.evaluators import DaskEvaluator, check_workers, make_evaluator
from sim.storage.layout import CALIBRATION_DB, CALIBRATION_REPORT, DIAGNOSTICS, POSTERIOR, PREDICTIVE
from sim.storage.provenance import provenance

EXTRA_PACKAGES = ("pyabc", "SALib", "dask", "distributed", "sqlalchemy")
# settings that may change on a resume (to extend a run or check it with more draws); the others make two
# runs the same calibration
EXTENDABLE = ("generations", "min_epsilon", "min_acceptance", "predictive_draws")


def _versions() -> dict:
    out = {}
    for name in EXTRA_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _atomic_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    tmp.replace(path)


def _parse_params(params) -> list[str] | None:
    if params is None:
        return None
    names = [p.strip() for p in (params.split(",") if isinstance(params, str) else params) if p.strip()]
    known = candidate_names()
    bad = [n for n in names if n not in known]
    if bad or not names:
        what = unknown_name_message(bad[0], known, what="calibration parameter") if bad else "--params: expected names"
        raise UserError(f"--params: {what} (candidates: {', '.join(known)})")
    return names


def _sampler(workers: int, scheduler: str | None, seed: int, batch: int):
    """The evaluator (serial, process pool or Dask) and the pyabc sampler running on it: one
    :class:`OrderedSampler` for every executor, so the posterior depends on the seed only; it honours
    ``max_eval`` (``min_acceptance``) on every executor."""
    evaluator = DaskEvaluator(scheduler, workers) if scheduler is not None else make_evaluator(check_workers(workers))
    return OrderedSampler(evaluator, seed, batch), evaluator


def _quiet_pyabc(verbose: bool):
    level = logging.INFO if verbose else logging.WARNING
    for name in ("ABC", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon", "ABC.History", "ABC.Adaptation",
                 "ABC.Population", "ABC.Acceptor", "ABC.Predictor", "ABC.Transition"):
        logging.getLogger(name).setLevel(level)


def calibrate(out, *, quick: bool = False, workers: int | None = None, scheduler: str | None = None,
              targets=None, params=None, population: int | None = None, generations: int | None = None,
              seed: int | None = None, command: str | None = None, progress=print, verbose: bool = False,
              stop_after: int | None = None) -> CalibrationResult:
    """Screen, fit, check; see the module doc. ``stop_after=k`` stops after generation k (for tests of
    resuming; the manifest then says ``"status": "stopped"``)."""
    folder = check_out(out)
    spec = load_targets(targets)
    settings = _settings(spec, quick, seed=seed, population=population, generations=generations)
    fixed_params = _parse_params(params)
    for t in spec.waiting:
        progress(f"skipped target {t.id!r} ({t.title}): status {t.status!r}: the model has no such mechanism yet")
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _open_manifest(folder, spec, settings, quick, fixed_params, command)
    _quiet_pyabc(verbose)
    seed_ = int(settings["seed"])

    sampler, evaluator = _sampler(workers, scheduler, seed_, settings["batch"])
    with evaluator:
        # 1. screening
        table, names = _screening_step(spec, settings, quick, seed_, fixed_params, evaluator, folder, manifest,
                                       progress)
        fitted = [prior(n) for n in names]
        manifest["parameters"] = [vars(p) for p in fitted]
        manifest["statistics"] = [{"key": s.key, "band": list(s.band), "role": spec.target(s.target).role}
                                  for s in spec.statistics()]
        _atomic_json(folder / RUN_MARKER, manifest)

        # 2. ABC-SMC, one generation per call (fresh and resumed runs alike)
        history = _fit(spec, settings, quick, seed_, names, fitted, sampler, folder, manifest, progress,
                       stop_after)
        if history is None:     # stopped after generation ``stop_after``
            return _collect(folder, manifest, table)
        diagnostics = _diagnostics(history)
        diagnostics.to_csv(folder / DIAGNOSTICS, index=False)
        posterior = _posterior(history, fitted)
        posterior.to_parquet(folder / POSTERIOR, index=False)

        # 3. posterior predictive (every ready target) and the same runs at today's defaults
        t0 = time.perf_counter()
        predictive = posterior_predictive(spec, posterior, names, quick, settings["predictive_draws"], seed_,
                                          evaluator)
        predictive.to_csv(folder / PREDICTIVE, index=False)
        manifest["predictive_seconds"] = round(time.perf_counter() - t0, 1)
    report = predictive_report(spec, predictive)
    report.to_csv(folder / CALIBRATION_REPORT, index=False)
    write_figures(folder, posterior, fitted, predictive, spec, diagnostics)
    manifest.update(status="complete", finished=provenance(), generations_done=int(len(diagnostics)),
                    total_simulations=int(diagnostics["simulations"].sum()),
                    files=sorted(p.name for p in folder.iterdir() if p.is_file()))
    _atomic_json(folder / RUN_MARKER, manifest)
    return CalibrationResult(folder, manifest, table, posterior, diagnostics, predictive, report)


def _settings(spec, quick: bool, *, seed, population, generations) -> dict:
    """The targets file's calibration settings with the command line's overrides."""
    settings = spec.settings(quick)
    if seed is not None:
        settings["seed"] = _positive(seed, "--seed", zero=True)
    if population is not None:
        settings["population"] = _positive(population, "--population")
    if generations is not None:
        settings["generations"] = _positive(generations, "--generations")
    return settings


def _open_manifest(folder: Path, spec, settings: dict, quick: bool, fixed_params, command) -> dict:
    """A new manifest, or the folder's own when it holds the same calibration (a resume); refuses another one."""
    config = {"quick": quick, "targets_file": str(spec.path), "targets_sha256": spec.sha256,
              "settings": {k: v for k, v in settings.items() if k not in EXTENDABLE}, "params": fixed_params}
    manifest_path = folder / RUN_MARKER
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if old is not None and old.get("config") != config:
        diff = sorted(k for k in set(config) | set(old.get("config", {}))
                      if config.get(k) != old.get("config", {}).get(k))
        raise UserError(f"--out {folder}: holds a calibration with other settings ({', '.join(diff)} differ); "
                        "use another folder, or the same options to resume it")
    manifest = old or {"config": config, "created": provenance(), "status": "running", "command": command}
    manifest.update(versions=_versions(), resumed=old is not None,
                    stopping={k: settings[k] for k in EXTENDABLE}, status="running")
    if old is not None:
        manifest.setdefault("resumes", []).append({"at": provenance()["created"], "command": command})
    return manifest


def _screening_step(spec, settings: dict, quick: bool, seed: int, fixed_params, evaluator, folder: Path,
                    manifest: dict, progress) -> tuple[pd.DataFrame | None, list[str]]:
    """The screening table and the parameters to fit (``fixed_params``, without screening, when given)."""
    if fixed_params is not None:
        return None, fixed_params
    t0 = time.perf_counter()
    table = screen(spec, priors(), quick=quick, trajectories=settings["screening_trajectories"],
                   seed=seed, select=settings["select"], evaluator=evaluator, folder=folder,
                   progress=progress)
    names = selected_parameters(table)
    manifest["screening"] = {"seconds": round(time.perf_counter() - t0, 1), "selected": names,
                             "candidates": candidate_names(), **table.attrs}
    progress(screening_summary(table))
    return table, names


def _fit(spec, settings: dict, quick: bool, seed: int, names: list[str], fitted: list[Prior], sampler,
         folder: Path, manifest: dict, progress, stop_after: int | None):
    """Run (or resume) ABC-SMC one generation at a time; the pyabc history, or None when stopped after
    generation ``stop_after`` (the manifest then says so)."""
    stats = spec.statistics("fit")
    distance = StandardisedDistance(stats)
    simulator = _PyabcModel(Simulator(spec.fit, quick), fitted)
    # the fit works in each prior's design space (log10 of a log-uniform parameter), where every prior is
    # uniform: the same prior, but pyabc's Gaussian kernels then move a scale parameter by factors, and
    # the importance weights carry no 1/value factor (which, in the values' own space, left an effective
    # sample size of 3.8 of 50 after five generations of the third run)
    prior_dist = pyabc.Distribution(**{p.name: _uniform(*p.design_bounds()) for p in fitted})
    db = "sqlite:///" + str((folder / CALIBRATION_DB).resolve())

    def make_abc():
        return pyabc.ABCSMC(simulator, prior_dist, distance, population_size=settings["population"],
                            sampler=sampler)

    np.random.seed(seed % 2**32)
    if manifest.get("abc_id") is None:
        history = make_abc().new(db, {s.key: s.mid for s in stats})
        manifest["abc_id"] = history.id
        _atomic_json(folder / RUN_MARKER, manifest)
    else:
        history = pyabc.History(db, _id=manifest["abc_id"])
        progress(f"resuming the fit: {history.max_t + 1} generation(s) done")
    while True:
        done = history.max_t + 1
        eps = _last_epsilon(history)
        if done >= settings["generations"] or (done and eps <= settings["min_epsilon"]):
            return history
        if _stopped_by_acceptance(manifest, done, settings):
            return history
        if stop_after is not None and done >= stop_after:
            manifest["status"] = "stopped"
            _atomic_json(folder / RUN_MARKER, manifest)
            return None
        t0 = time.perf_counter()
        np.random.seed((seed + 7919 * (done + 1)) % 2**32)   # each generation's draws from the seed
        abc = make_abc()        # a fresh object per generation: each continues the stored run,
        abc.load(db, manifest["abc_id"])    # which is also what a resume does
        history = abc.run(minimum_epsilon=settings["min_epsilon"], max_nr_populations=1,
                          min_acceptance_rate=settings["min_acceptance"])
        if history.max_t + 1 == done:    # pyabc stopped the generation at population / min_acceptance simulations
            manifest["fit_stop"] = {"generation": done, "min_acceptance": settings["min_acceptance"],
                                    "reason": "acceptance rate below min_acceptance: the generation was not completed"}
            _atomic_json(folder / RUN_MARKER, manifest)
            progress(f"generation {done}: acceptance below {settings['min_acceptance']:g} "
                     f"(more than {settings['population'] / settings['min_acceptance']:.0f} simulations): "
                     f"the fit stops with {done} generation(s)")
            if done == 0:
                raise UserError("the fit's first generation fell below min_acceptance: no posterior")
            return history
        row = _diagnostics(history).iloc[-1]
        progress(f"generation {int(row['generation'])}: epsilon {row['epsilon']:.3g}, "
                 f"{int(row['simulations'])} simulations, acceptance {row['acceptance_rate']:.2f}, "
                 f"ESS {row['ess']:.1f} of {int(row['particles'])}, {time.perf_counter() - t0:.0f} s")


def _uniform(low: float, high: float):
    return pyabc.RV("uniform", low, high - low)


def _stopped_by_acceptance(manifest: dict, done: int, settings: dict) -> bool:
    """The fit stopped at generation ``done`` because its acceptance fell below ``min_acceptance`` (a resume
    with the same or a higher limit does not retry it; a lower limit, or 0, does)."""
    stop = manifest.get("fit_stop")
    if not stop or stop.get("generation") != done:
        return False
    limit = settings["min_acceptance"]
    return limit > 0 and limit >= stop.get("min_acceptance", 0)


class _PyabcModel:
    """The pyabc model: theta (the fitted parameters, in their priors' design space) -> statistics."""

    def __init__(self, simulator: Simulator, fitted: list[Prior]):
        self.simulator, self.fitted, self.parent = simulator, fitted, os.getpid()

    def __call__(self, theta):
        try:
            return self.simulator({p.name: p.from_design(theta[p.name]) for p in self.fitted})
        except KeyboardInterrupt:       # Ctrl-C / SIGTERM reach the evaluator's workers too: they end quietly,
            if os.getpid() != self.parent:      # the main process reports and keeps the completed generations
                os._exit(130)
            raise


def _positive(value, flag, zero=False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero else 1):
        raise UserError(f"{flag}: expected a {'non-negative' if zero else 'positive'} integer, got {value!r}")
    return value


def _last_epsilon(history) -> float:
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return float(pops["epsilon"].iloc[-1]) if len(pops) else math.inf


def _diagnostics(history) -> pd.DataFrame:
    pops = history.get_all_populations().sort_values("t")
    rows = []
    for _, r in pops[pops["t"] >= 0].iterrows():
        _, w = history.get_distribution(m=0, t=int(r["t"]))
        rows.append({"generation": int(r["t"]), "particles": int(r["particles"]), "simulations": int(r["samples"]),
                     "acceptance_rate": r["particles"] / r["samples"] if r["samples"] else math.nan,
                     "ess": float(effective_sample_size(np.asarray(w))), "epsilon": float(r["epsilon"]),
                     "seconds": float(r["wall_time"])})      # pyabc's wall time of the generation's sampling
    return pd.DataFrame(rows)


def _posterior(history, fitted: list[Prior]) -> pd.DataFrame:
    """The last generation's particles as parameter values (not design coordinates), with their weights."""
    t = history.max_t
    df, w = history.get_distribution(m=0, t=t)
    out = df.reset_index(drop=True).copy()
    for p in fitted:
        out[p.name] = [p.from_design(x) for x in out[p.name]]
    out["weight"] = np.asarray(w, float)
    out["generation"] = t
    try:
        dist = history.get_weighted_distances(t=t)
        out["distance"] = dist["distance"].to_numpy()
    except Exception:  # noqa: BLE001 -- distances are a convenience
        out["distance"] = np.nan
    return out


def posterior_predictive(spec, posterior: pd.DataFrame, names: list[str], quick: bool, draws: int, seed: int,
                         evaluator) -> pd.DataFrame:
    """Re-simulate ``draws`` particles drawn by weight, with fresh seeds, on every ready target (fit and
    held out); plus up to 10 runs at today's defaults with the same seeds (``source = "defaults"``)."""
    rng = np.random.default_rng([seed, 2])
    w = posterior["weight"].to_numpy(float)
    picks = rng.choice(len(posterior), size=draws, replace=True, p=w / w.sum())
    seeds = [int(s.generate_state(1, np.uint64)[0] % 2**62) for s in np.random.SeedSequence([seed, 3]).spawn(draws)]
    sim = Simulator([t for t in spec.targets if t.ready], quick)
    tasks = [(sim, {n: posterior.iloc[i][n] for n in names}, s) for i, s in zip(picks, seeds)]
    defaults = min(draws, 10)
    tasks += [(sim, {}, s) for s in seeds[:defaults]]
    rows = [None] * len(tasks)
    for j, result in evaluator.map_unordered(evaluate, tasks):
        if isinstance(result, BaseException):
            raise result
        rows[j] = result
    out = pd.DataFrame(rows)
    meta = pd.DataFrame({"source": ["posterior"] * draws + ["defaults"] * defaults,
                         "draw": list(range(draws)) + list(range(defaults)), "seed": seeds + seeds[:defaults]})
    params = pd.DataFrame([t[1] for t in tasks], columns=names)
    return pd.concat([meta, params, out], axis=1)


__all__ = ["calibrate", "load_result", "posterior_predictive", "CalibrationResult", "Prior"]
