"""Play, pause, step and reset: playing runs in a thread of the page's session, at most
``speed`` steps per second; every click of *Step* runs one step (clicks queue; none is
dropped). After a step the parts that change get their new HTML set directly
(:func:`refresh_views`): the page is not re-rendered."""

from __future__ import annotations

import threading
import time

import reacton.core
import solara

from sim.app.config import SPEED_RANGE
from sim.app.controls import _labelled_slider
from sim.app.model import AppModel
from sim.app.state import build_model, model_r, playing, speed


def refresh_views(model: AppModel) -> None:
    """Redraw what changes with each step (step counter, grid, run summary, charts) by setting
    the content of their widgets directly: no render of the page, so a frame costs about as much
    as building its HTML (a re-render of the whole page costs tens of milliseconds)."""
    with model.lock:
        for widget, content in list(model.views.values()):
            widget.unsafe_innerHTML = content(model)


def do_step() -> None:
    """One step per click: clicks are handled one after the other, none is dropped."""
    model = model_r.value
    if model is not None and not playing.value:
        model.app_step()
        refresh_views(model)


def do_reset() -> None:
    playing.set(False)
    model_r.set(build_model())


def play_loop(cancel: threading.Event, render_lock=None) -> None:
    """While playing: step, redraw, wait out the rest of 1/speed seconds.

    ``render_lock`` is the page's render lock (reacton's): a step waits while a render runs
    (one started by a click on pause, say), so the page never draws a half-made step."""
    while playing.value and not cancel.is_set():
        started = time.perf_counter()
        if render_lock is not None:
            with render_lock:
                pass
        model = model_r.value
        if cancel.is_set() or not playing.value or model is None:
            break
        model.app_step()
        refresh_views(model)
        rest = 1.0 / max(1, speed.value) - (time.perf_counter() - started)
        if rest > 0:
            cancel.wait(rest)



@solara.component
def Player():
    """Play/pause, step, reset, speed. Playing runs in a thread of this session."""
    render_lock = getattr(reacton.core.get_render_context(required=False), "thread_lock", None)
    solara.use_thread(lambda cancel: play_loop(cancel, render_lock), dependencies=[playing.value],
                      intrusive_cancel=False)
    with solara.Row(gap="8px", style={"align-items": "center"}):
        if playing.value:
            solara.Button("❚❚ Pause", on_click=lambda: playing.set(False), color="primary", classes=["trustsim-pause"])
        else:
            solara.Button("▶ Play", on_click=lambda: playing.set(True), color="primary", classes=["trustsim-play"])
        solara.Button("Step", on_click=do_step, disabled=playing.value, outlined=True, classes=["trustsim-stepbtn"])
        solara.Button("Reset", on_click=do_reset, outlined=True, classes=["trustsim-reset"])
    _labelled_slider(f"Speed: at most {speed.value} steps per second", speed, *SPEED_RANGE, 1, False, "speed")
