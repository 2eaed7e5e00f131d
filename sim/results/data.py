"""Containers of results: data only (no files, no charts). The user-facing class with
``save``, ``plot_*`` and ``report`` is :class:`sim.api.Results`, which wraps these."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class ComparisonData:
    """The outcome of a scenario: ``timeseries``, ``summary``, ``manifest``, ``maps`` (the files
    of a results folder are described in :mod:`sim.run.experiment`); a comparison over posterior
    draws also has ``posterior_runs`` and ``probabilities`` (:mod:`sim.results.posterior`)."""

    timeseries: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict
    maps: dict = field(default_factory=dict)
    posterior_runs: pd.DataFrame | None = None
    probabilities: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return self.manifest["resolved"]["name"]

    @property
    def policies(self) -> list[str]:
        return [p["name"] for p in self.manifest["resolved"]["policies"]]

    @property
    def baseline(self) -> str:
        return self.manifest["resolved"]["baseline"]


@dataclass
class RunData:
    """One simulation: its ``timeseries`` (id columns, then ``TrustModel.results``), its final
    ``maps`` and its ``manifest`` (parameters, interventions, timings, provenance)."""

    timeseries: pd.DataFrame
    maps: dict
    manifest: dict
