"""The model as the app runs it: :class:`AppModel` builds a TrustModel from the app's controls,
and the rule plug-in given to ``trustsim app --rules`` is loaded here (``PLUGIN``, or the
one-line reason it failed, ``PLUGIN_ERROR``)."""

from __future__ import annotations

import os
import threading

from sim.app.config import DEFAULT_PRESET, DEFAULT_SIZE, ENV_RULES, SHARES, SIZE_RANGE, SLIDERS
from sim.core.model import TrustModel
from sim.core.params import RADII, ParamError, Params
from sim.core.plugins import load_plugin
from sim.core.presets import PRESETS
from sim.errors import UserError


def _load_configured_plugin():
    path = os.environ.get(ENV_RULES)
    if not path:
        return None, None
    try:
        return load_plugin(path), None
    except UserError as err:
        return None, "; ".join(err.problems)


PLUGIN, PLUGIN_ERROR = _load_configured_plugin()



class AppModel(TrustModel):
    """TrustModel as the app builds it from its controls.

    ``preset`` and ``rng`` (the seed) as in TrustModel; ``size`` cells per side; ``own_settings``
    applies the slider values (``**settings``, names of :class:`sim.core.params.Params`) over the
    preset, with the budget shares scaled to sum 1; ``plugin_on`` uses the plug-in given to
    ``trustsim app --rules``. It never fails on a combination of controls: what had to be
    adjusted or ignored is listed in ``notes``. ``lock`` is held while a step runs and while
    the page reads the model (playing runs in a thread)."""

    def __init__(self, preset: str = DEFAULT_PRESET, rng: int = 1, size: int = DEFAULT_SIZE,
                 own_settings: bool = False, plugin_on: bool = True, **settings):
        notes = []
        unknown = sorted(set(settings) - set(SLIDERS))
        if unknown:
            raise ValueError(f"AppModel: unknown settings {unknown}")
        if preset not in PRESETS:
            notes.append(f"unknown preset {preset!r}: using {DEFAULT_PRESET}")
            preset = DEFAULT_PRESET
        size = int(min(max(int(size), SIZE_RANGE[0]), SIZE_RANGE[1]))
        base = {"width": size, "height": size}
        chosen = dict(_normalised_shares(settings, notes)) if own_settings else {}
        overrides = _fit_radii(preset, {**base, **chosen}, notes)
        try:
            Params.build(preset, **overrides)
        except ParamError as err:
            notes.append("settings not applied (" + "; ".join(err.problems) + ")")
            overrides = _fit_radii(preset, base, notes)
        plugin = PLUGIN if plugin_on else None
        super().__init__(preset=preset, rng=int(rng), rules=plugin.rules if plugin else None,
                         hooks=plugin.hooks if plugin else None, **overrides)
        self.preset_name, self.own_settings, self.plugin, self.notes = preset, own_settings, plugin, notes
        self.lock = threading.RLock()
        self.views: dict = {}          # widgets the page redraws after each step (refresh_views)

    def app_step(self) -> None:
        """One step, under the lock (the page may be drawing the model meanwhile)."""
        with self.lock:
            self.step()


def _normalised_shares(settings: dict, notes: list) -> dict:
    out = dict(settings)
    total = sum(float(settings.get(s, 0.0)) for s in SHARES)
    if total <= 0:
        notes.append("budget shares all zero: the preset's shares are used")
        for s in SHARES:
            out.pop(s, None)
    elif abs(total - 1.0) > 1e-9:
        for s in SHARES:
            out[s] = float(settings.get(s, 0.0)) / total
        notes.append("budget shares scaled to sum 1: " + ", ".join(f"{s[6:]} {out[s]:.2f}" for s in SHARES))
    return out


def _fit_radii(preset: str, overrides: dict, notes: list) -> dict:
    """Lower radii that would wrap around a small grid to the largest allowed."""
    half = (min(overrides["width"], overrides["height"]) - 1) // 2
    merged = {**(PRESETS[preset].params), **overrides}
    out = dict(overrides)
    for name in RADII:
        value = merged.get(name, Params.spec(name)["default"])
        if value > half:
            out[name] = half
            notes.append(f"{name} {value} lowered to {half} (grid {overrides['width']}x{overrides['height']})")
    return out
