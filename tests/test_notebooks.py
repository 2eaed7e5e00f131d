"""Notebooks (issue 14): HTML views of a model and of results, ``m.plot()``, and the README's Python
snippet run as a script. Progress bars and scripts without a ``__main__`` guard:
tests/test_experiment_evaluators.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from matplotlib.figure import Figure

import sim
from sim.core.measures import MEASURE_INFO, MEASURES
from sim.core.model import TrustModel
from sim.core.params import ParamError
from sim.core.views import PLOT_MEASURES

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(width=24, height=24)

Model = TrustModel


def _cells(html_text):
    return [re.sub("<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html_text)]


def test_the_model_shows_its_setting_and_last_measures_with_labels_and_units():
    m = Model(preset="proximity", rng=7, **SMALL).run(4)
    text = m._repr_html_()
    cells = _cells(text)
    setting = dict(zip(cells[0:14:2], cells[1:14:2]))
    assert setting["preset"] == "proximity with width=24, height=24"
    assert setting["grid"] == "24 x 24 torus"
    assert setting["citizens"] == f"{len(m.citizens):,}" and setting["officers"] == f"{len(m.officers):,}"
    assert setting["activation"] == m.p.activation and setting["steps run"] == "4"
    assert "measures at step 4" in text
    for name in MEASURES:
        assert MEASURE_INFO[name].label in text
    trust = cells[cells.index("mean trust") + 1]
    assert float(trust) == pytest.approx(m.results["trust_mean"].iloc[-1], abs=5e-4)
    revolt = cells.index("citizens in open revolt")
    assert cells[revolt + 2] == "% of citizens"            # shares shown in %, the unit from MEASURE_INFO


def test_the_model_view_names_the_preset_it_matches_and_escapes_text():
    assert "<td style='text-align:left'>epstein-run1</td>" in Model(preset="epstein-run1", rng=1)._repr_html_()
    m = Model(rng=1, **SMALL)                               # no preset: the closest preset, or Params' defaults
    assert "preset" in _cells(m._repr_html_())
    m.preset_name = "mixed<script>"                         # an unknown name is not trusted, nor shown raw
    assert "<script>" not in m._repr_html_()


def test_plot_draws_one_panel_per_measure_titled_from_the_measure_metadata():
    m = Model(preset="mixed", rng=2, **SMALL).run(5)
    fig = m.plot()
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == len(PLOT_MEASURES)
    for ax, name in zip(axes, PLOT_MEASURES):
        info = MEASURE_INFO[name]
        assert ax.get_title(loc="left").lower() == info.short.lower()
        assert ax.get_ylabel() == (info.scale_unit or info.unit)
        x, y = ax.lines[0].get_data()
        assert list(x) == list(range(6))
        assert list(y) == pytest.approx(list(m.results[name] * info.scale), nan_ok=True)
    one = m.plot("active_fraction")
    ax = one.axes[0]
    assert ax.get_ylabel() == "% of citizens" and ax.get_ylim()[0] == 0   # shares in %, drawn from 0


def test_plot_refuses_an_unknown_measure_in_one_line_with_close_matches():
    m = Model(preset="mixed", rng=2, **SMALL)
    with pytest.raises(ParamError, match="trust_mea") as err:
        m.plot(["trust_mea"])
    assert "trust_mean" in str(err.value) and "\n" not in str(err.value)


def test_results_show_the_bottom_line_and_the_table():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sim.compare(replicates=2, steps=3, workers=1, progress=False)
    text = res._repr_html_()
    assert text.count("<li>") >= 3 and "Bottom line" in text
    assert "<table class='summary'>" in text
    for policy in res.policies:
        assert f"<td class='p'>{policy}</td>" in text
    assert MEASURE_INFO["trust_mean"].label in text
    assert "fewer than 5" in text or "few" in text.lower()   # 2 replicates: the warning of the bottom line


def _readme_python_block() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## From Python", 1)[1]
    return section.split("```python", 1)[1].split("```", 1)[0]


@pytest.mark.slow
def test_the_readme_python_snippet_runs_as_a_script(tmp_path):
    block = _readme_python_block()
    (tmp_path / "experiments").symlink_to(ROOT / "experiments")
    (tmp_path / "snippet.py").write_text(block)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run([sys.executable, "snippet.py"], cwd=tmp_path, capture_output=True, text=True, timeout=900,
                          env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "bootstrapping" not in done.stderr


# ------------------------------------------------------------------ a real Jupyter kernel
KERNEL_SETUP = """
import warnings
import sim
from sim.core.model import TrustModel as Model
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A Python kernel (ipykernel), as a notebook runs code; ``run(code)`` gives its outputs."""
    manager = pytest.importorskip("jupyter_client.manager")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTHONWARNINGS")}
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    km, kc = manager.start_new_kernel(kernel_name="python3", cwd=str(tmp_path_factory.mktemp("nb")), env=env)

    def run(code, timeout=300):
        msg_id = kc.execute(code)
        out = []
        while True:
            msg = kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out
            out.append((msg["msg_type"], msg["content"]))

    try:
        errors = [c for t, c in run(KERNEL_SETUP) if t == "error"]
        assert not errors, errors
        yield run
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _result(outputs):
    errors = [c for t, c in outputs if t == "error"]
    assert not errors, errors[0]["traceback"][-1]
    return [c["data"] for t, c in outputs if t in ("execute_result", "display_data")]


@pytest.mark.slow
def test_in_a_notebook_the_model_shows_as_html_and_plots(kernel):
    [data] = _result(kernel("m = Model(preset='mixed', rng=1, width=24, height=24).run(3)\nm"))
    assert "text/html" in data and "measures at step 3" in data["text/html"]
    shown = _result(kernel("m.plot()"))
    assert any("image/png" in d for d in shown)


@pytest.mark.slow
def test_in_a_notebook_compare_shows_a_progress_widget_runs_on_two_workers_and_shows_html(kernel):
    outputs = kernel("res = sim.compare(replicates=2, steps=3, workers=2)\nprint('WORKERS', res.manifest['timings']"
                     "['workers'])\nres")
    data = _result(outputs)
    models = [c["data"]["state"].get("_model_name") for t, c in outputs if t == "comm_open"]
    assert "FloatProgressModel" in models or "IntProgressModel" in models     # tqdm.auto's widget
    printed = "".join(c.get("text", "") for t, c in outputs if t == "stream" and c.get("name") == "stdout")
    assert "WORKERS 2" in printed                                               # no guard needed in a notebook
    assert "Bottom line" in data[-1]["text/html"]
