"""The page's state: the model shown and the controls' values, as ``solara.reactive`` values
(per session: each browser tab has its own), and the models built from them."""

from __future__ import annotations

import os

import solara

from sim.app.config import DEFAULT_PRESET, DEFAULT_SIZE, DEFAULT_SPEED, ENV_PRESET
from sim.app.model import AppModel

# solara.reactive values are per session: each tab has its own model and controls.
model_r = solara.reactive(None)            # the AppModel shown; Reset replaces it
playing = solara.reactive(False)
speed = solara.reactive(DEFAULT_SPEED)
preset_r = solara.reactive(DEFAULT_PRESET)
seed_r = solara.reactive(1)
size_r = solara.reactive(DEFAULT_SIZE)
own_settings_r = solara.reactive(False)
plugin_on_r = solara.reactive(True)
settings_r = solara.reactive({})           # slider name -> value


def initial_model(preset: str | None = None) -> AppModel:
    return AppModel(preset=preset or os.environ.get(ENV_PRESET, DEFAULT_PRESET), rng=1, size=DEFAULT_SIZE,
                    plugin_on=True)


def build_model() -> AppModel:
    return AppModel(preset=preset_r.value, rng=seed_r.value, size=size_r.value, own_settings=own_settings_r.value,
                    plugin_on=plugin_on_r.value, **settings_r.value)
