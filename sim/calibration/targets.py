"""Load and check the pattern targets (``targets.toml``) and the calibration settings.

    from sim.calibration.targets import load_targets
    spec = load_targets()                  # the packaged file; or load_targets(path)
    spec.fit                               # ready targets with role "fit"
    spec.statistics("fit")                 # [Statistic(key="police_elasticity.elasticity", band=(-0.5, -0.3)), ...]

Every problem is a one-line :class:`sim.errors.UserError` naming the file, the target and the field.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sim.calibration.experiments import EXPERIMENTS
from sim.errors import UserError

TARGETS_FILE = Path(__file__).resolve().parent / "targets.toml"
ROLES = ("fit", "held_out")
STATUSES = ("ready", "needs issue 12")
TARGET_FIELDS = ("id", "title", "source", "published", "checked", "role", "role_reason", "status")
CALIBRATION_FIELDS = {"seed": int, "population": int, "generations": int, "min_epsilon": float,
                      "min_acceptance": float, "screening_trajectories": int, "select": int,
                      "predictive_draws": int, "batch": int}


@dataclass(frozen=True)
class Statistic:
    target: str
    name: str
    band: tuple[float, float]
    basis: str = ""

    @property
    def key(self) -> str:
        return f"{self.target}.{self.name}"

    @property
    def mid(self) -> float:
        return 0.5 * (self.band[0] + self.band[1])

    @property
    def scale(self) -> float:
        """Half the band: a statistic on the band's edge is one unit from the target."""
        return 0.5 * (self.band[1] - self.band[0])

    def within(self, value: float) -> bool:
        return bool(self.band[0] <= value <= self.band[1])


@dataclass(frozen=True)
class Target:
    id: str
    title: str
    source: str
    published: str
    checked: str
    role: str
    role_reason: str
    status: str
    function: str
    settings: dict
    quick: dict
    design: str
    statistics: tuple[Statistic, ...]

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    def experiment_settings(self, quick: bool) -> dict:
        return {**self.settings, **(self.quick if quick else {})}


@dataclass(frozen=True)
class TargetSpec:
    path: Path
    targets: tuple[Target, ...]
    calibration: dict
    calibration_quick: dict
    sha256: str = field(default="")

    def settings(self, quick: bool) -> dict:
        return {**self.calibration, **(self.calibration_quick if quick else {})}

    def by_role(self, role: str, ready: bool = True) -> list[Target]:
        return [t for t in self.targets if t.role == role and (t.ready or not ready)]

    @property
    def fit(self) -> list[Target]:
        return self.by_role("fit")

    @property
    def held_out(self) -> list[Target]:
        return self.by_role("held_out")

    @property
    def waiting(self) -> list[Target]:
        """Targets whose mechanism the model lacks (listed, not run)."""
        return [t for t in self.targets if not t.ready]

    def statistics(self, role: str | None = None) -> list[Statistic]:
        chosen = [t for t in self.targets if t.ready and (role is None or t.role == role)]
        return [s for t in chosen for s in t.statistics]

    def target(self, target_id: str) -> Target:
        for t in self.targets:
            if t.id == target_id:
                return t
        raise UserError(f"{self.path}: no target {target_id!r}")


def load_targets(path: str | Path | None = None) -> TargetSpec:
    """Read and check a targets file (default: the packaged ``targets.toml``)."""
    path = Path(path) if path is not None else TARGETS_FILE
    raw, doc = _read_toml(path)

    def fail(where: str, message: str):
        raise UserError(f"{path}: {where}: {message}")

    base, quick = _calibration_settings(doc, fail)
    items = doc.get("target")
    if not isinstance(items, list) or not items:
        fail("[[target]]", "expected at least one target")
    targets, seen = [], set()
    for i, t in enumerate(items, 1):
        targets.append(_target(i, t, seen, fail))
    spec = TargetSpec(path, tuple(targets), base, quick, hashlib.sha256(raw).hexdigest())
    if not spec.fit:
        fail("[[target]]", "expected at least one ready target with role = \"fit\"")
    return spec


def _read_toml(path: Path) -> tuple[bytes, dict]:
    """The file's bytes (for its checksum) and its TOML document."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UserError(f"{path}: cannot read the targets file ({err.strerror or err})") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not valid TOML ({' '.join(str(err).split())})") from None
    return raw, doc


def _calibration_settings(doc: dict, fail) -> tuple[dict, dict]:
    """The checked ``[calibration]`` settings and their ``[calibration.quick]`` overrides."""
    cal = doc.get("calibration")
    if not isinstance(cal, dict):
        fail("[calibration]", "expected a table of settings (seed, population, generations, ...)")
    quick = cal.get("quick", {})
    if not isinstance(quick, dict):
        fail("[calibration.quick]", "expected a table")
    base = {k: v for k, v in cal.items() if k != "quick"}
    for where, table, required in (("[calibration]", base, True), ("[calibration.quick]", quick, False)):
        _check_calibration_table(where, table, required, fail)
    for where, table in (("[calibration]", base), ("[calibration.quick]", {**base, **quick})):
        if not 1 <= table["select"] <= 20:
            fail(where, f"select: expected 1 to 20 parameters, got {table['select']}")
        if not table["min_acceptance"] < 1:
            fail(where, f"min_acceptance: expected a rate below 1 (0 = no limit), got {table['min_acceptance']}")
    return base, quick


def _check_calibration_table(where: str, table: dict, required: bool, fail) -> None:
    for key in table:
        if key not in CALIBRATION_FIELDS:
            fail(where, f"unknown setting {key!r} (expected {', '.join(CALIBRATION_FIELDS)})")
    for key, kind in CALIBRATION_FIELDS.items():
        if key not in table:
            if required:
                fail(where, f"missing setting {key!r}")
            continue
        value = table[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) if kind is float else \
            isinstance(value, int) and not isinstance(value, bool)
        if not ok or value < 0 or (kind is int and key != "seed" and value < 1):
            fail(where, f"{key}: expected a {'non-negative number' if kind is float else 'positive integer'}, "
                        f"got {value!r}")


def _target(i: int, t, seen: set, fail) -> Target:
    """The ``i``-th ``[[target]]`` table, checked; its id is added to ``seen``."""
    where = f"target {i}"
    if not isinstance(t, dict):
        fail(where, "expected a table")
    if isinstance(t.get("id"), str):
        where = f"target {t['id']!r}"
    _check_target_fields(where, t, seen, fail)
    seen.add(t["id"])
    fn, settings, quick_settings, design = _experiment(where, t, fail)
    return Target(id=t["id"], title=t["title"], source=t["source"], published=t["published"],
                  checked=t["checked"], role=t["role"], role_reason=t["role_reason"], status=t["status"],
                  function=fn, settings=settings, quick=quick_settings, design=design,
                  statistics=_statistics(where, t, fail))


def _check_target_fields(where: str, t: dict, seen: set, fail) -> None:
    for key in TARGET_FIELDS:
        if not isinstance(t.get(key), str) or not t[key].strip():
            fail(where, f"{key}: expected a non-empty string")
    unknown = set(t) - set(TARGET_FIELDS) - {"experiment", "statistic"}
    if unknown:
        fail(where, f"unknown field(s) {', '.join(sorted(unknown))}")
    if t["id"] in seen:
        fail(where, "id: used by another target")
    if t["role"] not in ROLES:
        fail(where, f"role: expected one of {', '.join(ROLES)}, got {t['role']!r}")
    if t["status"] not in STATUSES:
        fail(where, f"status: expected one of {', '.join(map(repr, STATUSES))}, got {t['status']!r}")


def _experiment(where: str, t: dict, fail) -> tuple[str, dict, dict, str]:
    """A target's ``[target.experiment]``: function name, settings, quick settings, design."""
    exp = t.get("experiment")
    if not isinstance(exp, dict):
        fail(where, "experiment: expected a [target.experiment] table")
    fn = exp.get("function")
    if not isinstance(fn, str):
        fail(where, "experiment.function: expected the name of a function in sim/calibration/experiments.py")
    if t["status"] == "ready" and fn not in EXPERIMENTS:
        fail(where, f"experiment.function: {fn!r} is not in sim/calibration/experiments.py "
                    f"(known: {', '.join(EXPERIMENTS)}; a target without one needs status = \"needs issue 12\")")
    design = exp.get("design", "")
    if not isinstance(design, str) or not design.strip():
        fail(where, "experiment.design: expected words saying how the experiment mirrors the study")
    quick_settings = exp.get("quick", {})
    if not isinstance(quick_settings, dict):
        fail(where, "experiment.quick: expected a table")
    settings = {k: v for k, v in exp.items() if k not in ("function", "design", "quick")}
    if t["status"] == "ready":
        _check_settings(EXPERIMENTS[fn], settings, quick_settings, lambda m, w=where: fail(w, m))
    return fn, settings, quick_settings, design


def _statistics(where: str, t: dict, fail) -> tuple[Statistic, ...]:
    """A target's ``[[target.statistic]]`` entries, checked."""
    stats = t.get("statistic")
    if not isinstance(stats, list) or not stats:
        fail(where, "statistic: expected at least one [[target.statistic]]")
    parsed = []
    for s in stats:
        name = s.get("name") if isinstance(s, dict) else None
        if not isinstance(name, str) or not name:
            fail(where, "statistic.name: expected a non-empty string")
        band = s.get("band")
        if not (isinstance(band, list) and len(band) == 2 and all(isinstance(b, (int, float)) and
                                                                 not isinstance(b, bool) and math.isfinite(b)
                                                                 for b in band) and band[0] < band[1]):
            fail(where, f"statistic {name!r}: band: expected [low, high] with low < high, got {band!r}")
        parsed.append(Statistic(t["id"], name, (float(band[0]), float(band[1])), str(s.get("basis", ""))))
    return tuple(parsed)


def _check_settings(function, settings: dict, quick: dict, fail) -> None:
    accepted = {name: p.default for name, p in inspect.signature(function).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY}
    for label, table in (("experiment", settings), ("experiment.quick", quick)):
        for key, value in table.items():
            if key not in accepted:
                fail(f"{label}.{key}: not a setting of {function.__name__} (expected {', '.join(accepted)})")
            default = accepted[key]
            if isinstance(default, bool) or not isinstance(default, (int, float, str)):
                continue
            if isinstance(default, str):
                ok = isinstance(value, str)
            elif isinstance(default, int):
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= (0 if key in ("burn_in", "lag") else 1)
            else:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
            if not ok:
                fail(f"{label}.{key}: expected {'a string' if isinstance(default, str) else 'a positive number'}, "
                     f"got {value!r}")
