"""The posterior of a calibration as plausible worlds for a comparison (``trustsim compare --posterior N``).

``sim/data/posterior/`` (:data:`SHIPPED_POSTERIOR`) holds the output of one full ``trustsim calibrate``
run (``posterior.parquet``, its ``manifest.json`` with the exact command, ``predictive.csv`` and
``report.csv``); see docs/calibration.md. Any other calibration folder (``trustsim calibrate --out DIR``)
can be used instead (``--posterior-from DIR``, ``posterior_from=``).

    post = load_posterior()                         # the shipped one; or load_posterior("my-fit/")
    draws = draw_posterior(post, 40, seed=1)        # 40 particles, by weight, from the scenario seed
    draws.params[d]                                 # {parameter: value} of draw d
    posterior_seed(seed, d, r)                      # the seed of draw d, replicate r (every policy)

What is read: ``posterior.parquet`` (the last generation's particles: one column per fitted parameter,
plus ``weight``, ``generation``, ``distance``) and ``manifest.json`` (its SHA-256 and ``command`` are
recorded by the comparison). Every parameter column must name a :class:`sim.core.params.Params` field
that is a number (not a policy lever, :data:`sim.core.params.POLICY_FIELDS`: a policy keeps its own
budget split), every value must lie in that field's range (integers for integer fields), and the
weights must be finite, non-negative and not all zero (integer parameters are rounded as the calibration ran
them); anything else is one :class:`UserError` line
naming the file and the column.

How draws are made (:func:`draw_posterior`): N particles are drawn **by weight without replacement**
(``numpy.random.Generator.choice(K, N, replace=False, p=weight / sum(weight))``, i.e. successive
draws, each by weight among the particles not yet drawn) with a generator seeded by
``numpy.random.SeedSequence([seed, POSTERIOR_STREAM])``, then sorted by particle index. Draws are
therefore distinct particles, equally weighted afterwards, and the same for the same seed. N must be
at most the number of particles with a positive weight (else a UserError says how many there are):
drawing a particle twice would count one world twice and make the probabilities look surer than the
posterior is.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import POLICY_FIELDS, ParamError, Params, unknown_name_message
from sim.errors import UserError, safe_text

SHIPPED_POSTERIOR = Path(__file__).resolve().parents[1] / "data" / "posterior"
"""Folder of the posterior shipped with the package."""

POSTERIOR_FILE = "posterior.parquet"     # as sim.storage.layout.POSTERIOR (the scenario layer cannot import storage)
MANIFEST_FILE = "manifest.json"          # as sim.storage.layout.MANIFEST
BOOKKEEPING = ("weight", "generation", "distance")
"""Columns of posterior.parquet that are not parameters."""
POSTERIOR_STREAM = 13
"""Second word of the SeedSequence that draws the particles (apart from every run's seed)."""
PRODUCE = "trustsim calibrate --out {folder}"
SEED_RULE = ("seed of draw d, replicate r = numpy.random.SeedSequence([seed, d, r]).generate_state(1)[0], "
             "same for every policy")

__all__ = ["SHIPPED_POSTERIOR", "Posterior", "PosteriorDraws", "draw_posterior", "load_posterior", "posterior_seed",
           "check_draw_count"]


@dataclass(frozen=True)
class Posterior:
    """A calibration's posterior: the particles' ``values`` (one column per fitted parameter, as
    :class:`Params` types), their normalised ``weights``, and where it came from."""

    folder: Path
    values: pd.DataFrame
    weights: np.ndarray
    manifest_sha256: str
    command: str | None
    shipped: bool = False

    @property
    def parameters(self) -> list[str]:
        return list(self.values.columns)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def positive(self) -> int:
        """Particles with a positive weight (those that can be drawn)."""
        return int(np.count_nonzero(self.weights > 0))

    def quantile(self, name: str, q: float) -> float:
        """Weighted quantile ``q`` of parameter ``name``: the smallest particle value whose cumulative
        normalised weight reaches ``q``."""
        x = self.values[name].to_numpy(dtype=float)
        order = np.argsort(x, kind="stable")
        cumulative = np.cumsum(self.weights[order]) / self.weights.sum()
        return float(x[order][min(int(np.searchsorted(cumulative, q)), len(x) - 1)])

    def medians(self) -> dict:
        """``{parameter: weighted median}`` (:meth:`quantile` 1/2), rounded to 3 significant digits (integers
        stay integers). ``Params`` defaults are these values once a posterior is shipped (docs/calibration.md)."""
        return {name: int(self.quantile(name, 0.5)) if pd.api.types.is_integer_dtype(self.values[name])
                else float(f"{self.quantile(name, 0.5):.3g}") for name in self.parameters}

    def describe(self) -> dict:
        """The provenance a comparison's manifest records."""
        return {"source": str(self.folder), "shipped": self.shipped, "manifest_sha256": self.manifest_sha256,
                "command": self.command, "particles": len(self), "parameters": self.parameters}


@dataclass(frozen=True)
class PosteriorDraws:
    """N draws from a posterior: ``indices`` (particle rows of posterior.parquet, ascending) and
    ``params`` (one ``{parameter: value}`` per draw, in the same order)."""

    posterior: Posterior
    indices: tuple
    params: tuple = field(repr=False)
    seed: int = 0

    def __len__(self) -> int:
        return len(self.indices)

    def describe(self) -> dict:
        """The manifest's ``posterior`` entry: the posterior's provenance, N, the particles drawn and
        their values, the drawing and seed rules."""
        return {**self.posterior.describe(), "draws": len(self), "indices": list(self.indices),
                "values": [dict(p) for p in self.params], "sampling": "by weight without replacement "
                "(numpy Generator.choice), seeded by SeedSequence([seed, 13]); draws equally weighted afterwards",
                "seed_rule": SEED_RULE}


def posterior_seed(base_seed: int, draw: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` in posterior draw ``draw``, the same for every policy
    (common random numbers within a draw): ``SeedSequence([base_seed, draw, replicate]).generate_state(1)[0]``."""
    return int(np.random.SeedSequence([int(base_seed), int(draw), int(replicate)]).generate_state(1)[0])


def _missing(folder: Path, name: str, shipped: bool) -> UserError:
    if shipped:
        return UserError(f"{safe_text(folder / name)}: no posterior is shipped yet; produce it with "
                         f"`{PRODUCE.format(folder='sim/data/posterior')}` (docs/calibration.md), or give a "
                         "calibration folder with --posterior-from DIR (posterior_from= in Python)")
    return UserError(f"{safe_text(folder / name)}: missing; --posterior-from expects a folder written by "
                     f"`{PRODUCE.format(folder='DIR')}` (with {POSTERIOR_FILE} and {MANIFEST_FILE})")


def load_posterior(folder=None) -> Posterior:
    """Read and check the posterior of a calibration folder (None: the shipped one,
    :data:`SHIPPED_POSTERIOR`). See the module doc for what is checked."""
    shipped = folder is None
    folder = Path(SHIPPED_POSTERIOR if shipped else folder).absolute()
    if not shipped and not folder.is_dir():
        raise UserError(f"--posterior-from {safe_text(folder)}: " + ("no such folder" if not folder.exists()
                                                                      else "not a folder"))
    for name in (POSTERIOR_FILE, MANIFEST_FILE):
        if not (folder / name).is_file():
            raise _missing(folder, name, shipped)
    raw_manifest = (folder / MANIFEST_FILE).read_bytes()
    try:
        manifest = json.loads(raw_manifest)
    except (ValueError, UnicodeDecodeError) as err:
        raise UserError(f"{safe_text(folder / MANIFEST_FILE)}: not valid JSON ({err.__class__.__name__})") from None
    path = folder / POSTERIOR_FILE
    try:
        table = pd.read_parquet(path)
    except Exception as err:   # noqa: BLE001 -- pyarrow's errors have no common base to import
        raise UserError(f"{safe_text(path)}: not a readable Parquet table ({type(err).__name__})") from None
    values, weights = _checked(table, path)
    command = manifest.get("command") if isinstance(manifest, dict) else None
    return Posterior(folder, values, weights, hashlib.sha256(raw_manifest).hexdigest(),
                     command if isinstance(command, str) else None, shipped)


def _checked(table: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The parameter columns (as Params types) and the normalised weights of a posterior table."""
    where = safe_text(path)
    if table.empty:
        raise UserError(f"{where}: has no particles (no rows)")
    if "weight" not in table.columns:
        raise UserError(f"{where}: has no column weight (is it a trustsim calibrate posterior?)")
    names = [c for c in table.columns if c not in BOOKKEEPING]
    if not names:
        raise UserError(f"{where}: has no parameter columns (only {', '.join(map(str, table.columns))})")
    problems = [_column_problem(table[name], str(name)) for name in names]
    problems = [f"{where}: {p}" for p in problems if p]
    if problems:
        raise UserError(problems)
    weights = pd.to_numeric(table["weight"], errors="coerce").to_numpy(float)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise UserError(f"{where}: column weight: expected finite, non-negative weights, not all zero")
    values = pd.DataFrame({name: _as_type(table[name], str(name)) for name in names})
    return values.reset_index(drop=True), weights / weights.sum()


def _column_problem(column: pd.Series, name: str) -> str | None:
    """What is wrong with one parameter column (None if nothing)."""
    if name not in Params.names():
        return f"column {name!r}: {unknown_name_message(name, Params.names())}"
    if name in POLICY_FIELDS:
        return f"column {name}: a policy lever (each policy keeps its own budget split); a posterior cannot set it"
    spec = Params.spec(name)
    if spec["type"] not in ("int", "float"):
        return f"column {name}: expected a numeric parameter, but {name} is a {spec['type']} parameter"
    x = pd.to_numeric(column, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(x)
    if bad.any():
        return f"column {name}: row {int(np.flatnonzero(bad)[0])} is not a finite number"
    lo, hi = spec["lo"], spec["hi"]
    out = (x < lo) | (x > hi) if lo is not None else np.zeros(len(x), bool)
    if out.any():
        i = int(np.flatnonzero(out)[0])
        return f"column {name}: expected values in [{lo:g}, {hi:g}] (the range of Params.{name}), got {x[i]:g} in row {i}"
    return None


def _as_type(column: pd.Series, name: str) -> list:
    """A checked column as Python ints or floats (the type of the Params field). pyabc samples integer
    parameters on the continuous range and the calibration's model wrapper rounds them with Python's
    ``round`` (sim.calibration.experiments.model_values): they are rounded here the same way, so a draw
    is the model the calibration ran."""
    x = pd.to_numeric(column).to_numpy(float)
    return [int(round(v)) for v in x] if Params.spec(name)["type"] == "int" else [float(v) for v in x]


def check_draw_count(n, what: str = "--posterior") -> int:
    """``n`` as a number of draws (an integer >= 1), else a one-line UserError."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        if isinstance(n, float) and math.isfinite(n) and n == int(n):
            n = int(n)
        else:
            raise UserError(f"{what}: expected a whole number of posterior draws >= 1, got {n!r}")
    if n < 1:
        raise UserError(f"{what}: expected a whole number of posterior draws >= 1, got {n}")
    return int(n)


def draw_posterior(posterior: Posterior, n: int, seed: int, what: str = "--posterior") -> PosteriorDraws:
    """``n`` particles of ``posterior`` drawn by weight without replacement, deterministically from
    ``seed`` (see the module doc); a UserError when ``n`` is not a whole number >= 1 or exceeds the
    particles with a positive weight."""
    n = check_draw_count(n, what)
    if n > posterior.positive:
        raise UserError(f"{what} {n}: the posterior in {safe_text(posterior.folder)} has only {posterior.positive} "
                        f"particles with a positive weight (of {len(posterior)}); ask for at most {posterior.positive} "
                        "draws (each draw is a distinct particle)")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), POSTERIOR_STREAM]))
    indices = tuple(sorted(int(i) for i in rng.choice(len(posterior), size=n, replace=False, p=posterior.weights)))
    params = tuple({k: posterior.values[k].iloc[i] for k in posterior.parameters} for i in indices)
    return PosteriorDraws(posterior, indices, tuple(_plain(p) for p in params), int(seed))


def _plain(values: dict) -> dict:
    """Numpy scalars as Python numbers (JSON, hashing)."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in values.items()}


def world_params(params: dict, draw: dict, label: str) -> dict:
    """A policy's full parameters with a draw's values over them (the policy's levers are never in a
    draw), validated: a cross-field problem (e.g. a radius too large for the grid) is a UserError
    naming the draw."""
    merged = {**params, **draw}
    try:
        return Params(**merged).to_dict()
    except ParamError as err:
        raise UserError([f"{label}: {p}" for p in err.problems]) from None
