"""The controls: preset, seed, grid size, plug-in and one slider per parameter of ``SLIDERS``,
labelled, ranged and stepped from the metadata of :class:`sim.core.params.Params`. They take
effect on Reset; the page says when they differ from what built the model shown."""

from __future__ import annotations

import html
import math
import re

import solara

from sim.app.config import GROUP_TITLES, SHARES, SIZE_RANGE, SLIDER_MAX, SLIDER_STEPS, SLIDERS
from sim.app.model import PLUGIN, AppModel
from sim.app.state import model_r, own_settings_r, plugin_on_r, preset_r, seed_r, settings_r, size_r
from sim.core.params import Params
from sim.core.presets import PRESETS


def plain_label(name: str) -> str:
    """A short plain-language label from the parameter's meaning (``Params`` metadata):
    parentheses, a leading symbol ("alpha: ...") and qualifying clauses dropped."""
    text = re.sub(r"\s*\([^)]*\)", "", Params.spec(name)["doc"])
    text = re.sub(r"^\w{1,8}: ", "", text)
    text = re.split(r",\s| when ", text)[0].strip()
    return text[:1].upper() + text[1:]


def slider_step(name: str) -> float:
    spec = Params.spec(name)
    if spec["type"] == "int":
        return 1
    hi = min(spec["hi"], SLIDER_MAX.get(name, spec["hi"]))
    return SLIDER_STEPS.get(name, 0.05 if hi - spec["lo"] <= 1 else 0.1)


def format_value(name: str, value) -> str:
    """The value at the slider's precision, with the parameter's unit."""
    unit = Params.spec(name)["unit"]
    step = slider_step(name)
    decimals = 0 if step >= 1 else max(0, -math.floor(math.log10(step) + 1e-9))
    text = f"{value:.{decimals}f}"
    if unit == "x":
        return text + "×"
    return f"{text} {unit}" if unit else text


def slider_range(name: str) -> tuple:
    spec = Params.spec(name)
    return spec["lo"], min(spec["hi"], SLIDER_MAX.get(name, spec["hi"]))


def preset_values(preset: str) -> dict:
    values = Params.build(preset).to_dict()
    return {name: values[name] for name in SLIDERS}



def _pending(model: AppModel | None) -> bool:
    """Do the controls differ from what built the model shown?"""
    if model is None:
        return False
    p = model.p
    if (preset_r.value, seed_r.value, size_r.value, own_settings_r.value) != (model.preset_name, model.seed, p.width,
                                                                              model.own_settings):
        return True
    if PLUGIN is not None and plugin_on_r.value != (model.plugin is not None):
        return True
    return own_settings_r.value and any(not math.isclose(float(v), float(getattr(p, k)), abs_tol=1e-9)
                                        for k, v in settings_r.value.items() if k not in SHARES)



def _labelled_slider(label: str, value, lo, hi, step, disabled: bool, key: str, title: str = ""):
    with solara.Column(gap="0px", classes=["trustsim-slider"], style={"margin-top": "4px"}):
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(label),
                    attributes={"class": "trustsim-slider-label", "data-name": key, "title": title},
                    style=f"font-size: 13px; color: {'#999' if disabled else '#222'}")
        if isinstance(step, int) and step >= 1 and isinstance(lo, int):
            solara.SliderInt("", value=value, min=lo, max=hi, step=step, disabled=disabled, thumb_label=False)
        else:
            solara.SliderFloat("", value=value, min=lo, max=hi, step=step, disabled=disabled, thumb_label=False)


def _checkbox(label: str, value, css_class: str):
    # solara.Checkbox passes its label twice (label and child), which Vue 3 shows twice
    solara.v.Checkbox(label=label, v_model=value.value, on_v_model=value.set, hide_details=True, density="compact",
                      class_=css_class)


@solara.component
def ParameterSlider(name: str):
    """One parameter: its plain label, current value and unit (Params metadata), and the slider;
    disabled while "use the settings below" is unticked (the sliders are then ignored)."""
    value = settings_r.value.get(name, Params.spec(name)["default"])
    lo, hi = slider_range(name)

    def set_value(v):
        settings_r.set({**settings_r.value, name: v})

    spec = Params.spec(name)
    r = solara.use_reactive(value, on_change=set_value)
    if r.value != value:
        r.set(value)
    step = slider_step(name)
    if spec["type"] == "int":
        lo, hi = int(lo), int(hi)
    _labelled_slider(f"{plain_label(name)}: {format_value(name, value)}", r, lo, hi, step,
                     not own_settings_r.value, name, title=f"{name}: {spec['doc']}")


@solara.component
def Controls():
    """The controls: they take effect on Reset."""
    def choose_preset(name):
        preset_r.set(name)
        settings_r.set(preset_values(name))

    solara.Select("preset", values=list(PRESETS), value=preset_r.value, on_value=choose_preset)
    _labelled_slider(f"Seed: {seed_r.value}", seed_r, 0, 1000, 1, False, "seed")
    _labelled_slider(f"Grid size: {size_r.value} x {size_r.value} cells", size_r, SIZE_RANGE[0], SIZE_RANGE[1], 5,
                     False, "size")
    if PLUGIN is not None:
        _checkbox(f"use the plug-in {PLUGIN.name}", plugin_on_r, "trustsim-plugin-on")
    _checkbox("use the settings below (else the preset's own)", own_settings_r, "trustsim-own-settings")
    if _pending(model_r.value):
        solara.HTML(tag="div", unsafe_innerHTML="Changed: press <b>Reset</b> to apply.", classes=["trustsim-pending"],
                    style="font-size: 13px; padding: 4px 8px; background: #e8f1fb; border-left: 3px solid #0072b2")
    else:
        solara.Text("Changes apply when you press Reset.", style={"font-size": "12px", "color": "#666"})
    groups: dict[str, list[str]] = {}
    for name in SLIDERS:
        groups.setdefault(Params.spec(name)["group"], []).append(name)
    for group, names in groups.items():
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(GROUP_TITLES.get(group, group)),
                    style="font-weight: 500; margin-top: 10px; font-size: 14px")
        for name in names:
            ParameterSlider(name)
