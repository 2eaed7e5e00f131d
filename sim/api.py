"""The Python interface: what ``import sim`` offers for running and reading experiments.

    import sim
    res = sim.compare(replicates=5)                    # experiments/compare-policies.toml
    res = sim.compare(replicates=2, posterior=40)      # 40 posterior draws x 2 replicates; res.probabilities
    res = sim.run_scenario("experiments/budget-cut.toml", workers=2)
    res.summary; res.timeseries; res.manifest; res.maps
    print(res.table()); print(res.headline())
    res.plot_timeseries(); res.report("report.html")
    res.save("results/my-comparison")                  # refuses a non-empty folder
    res = sim.load_results("results/my-comparison")
    sim.sweep("experiments/sweep-budget.toml"); sim.sensitivity("experiments/sweep-trust-sensitivity.toml")

:class:`Results` wraps the run layer's data (:class:`sim.results.data.ComparisonData`) with
saving (:mod:`sim.storage.comparison`), charts (:mod:`sim.present.plots`), the report
(:mod:`sim.present.report`) and the printed table (:mod:`sim.present.tables`). This module loads
matplotlib; ``import sim`` does not (its names load this module on first use).
"""

from __future__ import annotations

from pathlib import Path

from sim.present import plots
from sim.present.bottom_line import bottom_line
from sim.present.data import as_data
from sim.present.posterior import has_probabilities, probability_table
from sim.present.report import headline_text, write_report
from sim.present.sections import e, summary_table
from sim.present.tables import comparison_table
from sim.results.data import ComparisonData
from sim.run import experiment
from sim.run.evaluators import Evaluator
from sim.run.sensitivity import sensitivity
from sim.run.sweep import sweep
from sim.storage.comparison import load_comparison, save_comparison
from sim.storage.layout import default_out

__all__ = ["Results", "run_scenario", "compare", "load_results", "sweep", "sensitivity"]


class Results(ComparisonData):
    """The outcome of a scenario: ``timeseries``, ``summary``, ``manifest``, ``maps``, with
    saving, charts, the report and the printed table."""

    @classmethod
    def of(cls, data: ComparisonData) -> Results:
        return cls(data.timeseries, data.summary, data.manifest, data.maps, posterior_runs=data.posterior_runs,
                   probabilities=data.probabilities)

    def save(self, out=None) -> Path:
        """Write the results folder (default ``results/<name>-<timestamp>``); never overwrites a
        non-empty folder. Returns the folder."""
        return save_comparison(self, Path(out) if out is not None else default_out(self.name))

    def plot_timeseries(self, measures=None, **kw):
        return plots.timeseries(self, **({"measures": measures} if measures else {}), **kw)

    def plot_differences(self, **kw):
        return plots.forest(self, **kw)

    def plot_costs(self):
        return plots.costs(self)

    def plot_maps(self, **kw):
        return plots.maps(self, **kw)

    def figures(self):
        return plots.figures(self)

    def report(self, path):
        return write_report(self, out=path)

    def headline(self) -> str:
        return headline_text(self)

    def table(self) -> str:
        """The printed comparison table, then, over posterior draws, the probabilities' table."""
        return comparison_table(self) + (probability_table(self) if has_probabilities(self) else "")

    def _repr_html_(self) -> str:
        """Jupyter's view: the title line, the bottom line (:func:`sim.present.bottom_line.bottom_line`)
        and the summary table of the report (:func:`sim.present.sections.summary_table`)."""
        r = self.manifest.get("resolved", {})
        head = (f"<strong>Results: {e(r.get('name', ''))}</strong>, {len(self.policies)} policies x "
                f"{e(r.get('replicates', '?'))} replicates x {e(r.get('steps', '?'))} steps")
        bullets = "".join(f"<li>{e(b)}</li>" for b in bottom_line(self))
        return (f"<div>{head}<p><strong>Bottom line</strong></p><ul>{bullets}</ul>"
                f"<details open><summary>table: levels and differences to {e(r.get('baseline', 'the baseline'))}"
                f"</summary>{summary_table(as_data(self))}</details></div>")

    def __repr__(self):
        r = self.manifest["resolved"]
        return (f"Results({r['name']!r}: {len(self.policies)} policies x {r['replicates']} replicates x "
                f"{r['steps']} steps; .timeseries {self.timeseries.shape}, .summary {self.summary.shape})")


def run_scenario(path_or_dict, workers: int | None = None, *, overrides: dict | None = None,
                 progress: bool | None = None, evaluator: Evaluator | None = None, command: str = "api",
                 rules=None, rules_policies=None, posterior: int | None = None, posterior_from=None) -> Results:
    """Run every policy and replicate of a scenario (a TOML path, a dict, or a Scenario); ``rules``:
    a rule plug-in file for the policies in ``rules_policies`` (default: all); ``posterior``: over N
    posterior draws of ``posterior_from`` (a calibration folder; None: the shipped posterior); see
    :func:`sim.run.experiment.execute`."""
    return Results.of(experiment.execute(path_or_dict, workers, overrides=overrides, progress=progress,
                                         evaluator=evaluator, command=command, rules=rules,
                                         rules_policies=rules_policies, posterior=posterior,
                                         posterior_from=posterior_from))


def compare(scenario=None, replicates: int | None = None, steps: int | None = None, workers: int | None = None, *,
            seed: int | None = None, progress: bool | None = None, evaluator: Evaluator | None = None,
            command: str = "api", rules=None, rules_policies=None, posterior: int | None = None,
            posterior_from=None) -> Results:
    """Run a policy comparison: ``scenario`` (default ``experiments/compare-policies.toml``) with
    optional replicates, steps and seed overrides; ``rules``: a rule plug-in file for the policies
    in ``rules_policies`` (default: all). ``posterior=N``: every policy in N plausible worlds (posterior
    draws of the calibration folder ``posterior_from``, default the shipped posterior) x ``replicates``,
    common random numbers within a draw; ``res.probabilities`` then holds, per measure and policy, the
    probability of being best and of beating the baseline, and the expected difference with its 90%
    interval (:mod:`sim.results.posterior`). See :func:`sim.run.experiment.comparison`."""
    return Results.of(experiment.comparison(scenario, replicates, steps, workers, seed=seed, progress=progress,
                                            evaluator=evaluator, command=command, rules=rules,
                                            rules_policies=rules_policies, posterior=posterior,
                                            posterior_from=posterior_from))


def load_results(folder) -> Results:
    """Read a results folder written by :meth:`Results.save` back into a :class:`Results`."""
    return Results.of(load_comparison(folder))
