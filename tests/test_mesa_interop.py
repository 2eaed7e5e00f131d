"""Mesa interoperability (issue 14): ``TrustModel.datacollector`` is a ``mesa.DataCollector`` over the
recorded measures, so ``mesa.batch_run`` works on ``sim.TrustModel``; ``agents_frame()`` gives one row
per citizen and officer with its state."""

from __future__ import annotations

import multiprocessing
import warnings

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.measures import EXTRA_MEASURES, MEASURES
from sim.core.model import TrustModel
from sim.core.views import AGENT_COLUMNS, MeasuresCollector, ModelViews

Model = TrustModel
SMALL = dict(width=24, height=24)


@pytest.fixture(autouse=True)
def _keep_the_start_method():
    """mesa.batch_run sets multiprocessing's global start method to spawn: put it back after each test."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_trust_model_has_the_views():
    assert issubclass(sim.TrustModel, ModelViews)
    assert isinstance(sim.TrustModel(preset="mixed", rng=1, **SMALL).datacollector, mesa.DataCollector)


def test_the_datacollector_is_a_mesa_datacollector_giving_the_measures_per_step():
    m = Model(preset="mixed", rng=3, **SMALL).run(6)
    dc = m.datacollector
    assert isinstance(dc, mesa.DataCollector) and isinstance(dc, MeasuresCollector)
    assert dc is m.datacollector                                   # one object, kept
    df = dc.get_model_vars_dataframe()
    assert list(df.index) == list(range(7))                        # step 0 (initial state) .. 6
    assert set(MEASURES) | set(EXTRA_MEASURES) <= set(df.columns)
    expected = m.results.set_index("step")
    pd.testing.assert_frame_equal(df, expected)
    assert dc.model_vars["trust_mean"] == list(expected["trust_mean"])
    assert dc._collection_steps == list(range(7))
    m.step()                                                       # a live view: it grows with the model
    assert len(dc.get_model_vars_dataframe()) == 8 and dc._collection_steps[-1] == 7
    dc.collect(m)                                                  # Mesa's call: nothing to add
    assert len(dc.get_model_vars_dataframe()) == 8


def test_mesa_tables_work_on_the_collector():
    dc = Model(preset="mixed", rng=3, **SMALL).datacollector
    dc._new_table("notes", ["step", "text"])
    dc.add_table_row("notes", {"step": 0, "text": "start"})
    assert dc.get_table_dataframe("notes").to_dict("records") == [{"step": 0, "text": "start"}]


def test_mesa_batch_run_runs_trust_model_and_returns_the_measures():
    params = {"preset": "mixed", **SMALL, "budget_per_cell": [0.03, 0.06]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)       # Mesa 3.5 deprecates iterations= for rng=
        rows = mesa.batch_run(Model, parameters=params, iterations=2, max_steps=10, number_processes=1,
                              display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 4                                            # 2 budgets x 2 iterations, the last step each
    assert set(df["Step"]) == {10}
    assert sorted(df["budget_per_cell"]) == [0.03, 0.03, 0.06, 0.06]
    assert set(MEASURES) <= set(df.columns) and df["trust_mean"].between(0, 1).all()
    seeded = pd.DataFrame(mesa.batch_run(Model, parameters={"preset": "mixed", **SMALL}, rng=[5, 6], max_steps=4,
                                         number_processes=1, display_progress=False))
    for seed, row in zip((5, 6), seeded.itertuples()):             # the same as running the model directly
        assert row.trust_mean == Model(preset="mixed", rng=seed, **SMALL).run(4).results["trust_mean"].iloc[-1]


def test_batch_run_with_every_step_collected_gives_one_row_per_step():
    rows = mesa.batch_run(Model, parameters={"preset": "reactive", **SMALL}, rng=[1], max_steps=5,
                          data_collection_period=1, number_processes=1, display_progress=False)
    assert [r["Step"] for r in rows] == list(range(6))
    direct = Model(preset="reactive", rng=1, **SMALL).run(5).results
    assert [r["incidents"] for r in rows] == list(direct["incidents"])


def test_agents_frame_has_one_row_per_citizen_and_officer_with_its_state():
    m = Model(preset="proximity", rng=2, **SMALL).run(8)
    f = m.agents_frame()
    c, o = m.citizens, m.officers
    assert list(f.columns) == list(AGENT_COLUMNS)
    assert len(f) == len(c) + len(o)
    cit, off = f[f["kind"] == "citizen"], f[f["kind"] == "officer"]
    assert list(cit["id"]) == list(range(len(c))) and list(off["id"]) == list(range(len(o)))
    np.testing.assert_array_equal(cit["y"] * m.p.width + cit["x"], c.cell)
    np.testing.assert_array_equal(off["y"] * m.p.width + off["x"], o.cell)
    assert ((f["x"] >= 0) & (f["x"] < m.p.width) & (f["y"] >= 0) & (f["y"] < m.p.height)).all()
    np.testing.assert_array_equal(cit["trust"], c.trust)
    np.testing.assert_array_equal(cit["hardship"], c.hardship)
    np.testing.assert_array_equal(cit["risk_aversion"], c.risk_aversion)
    np.testing.assert_array_equal(cit["active"].to_numpy(bool), c.active)
    np.testing.assert_array_equal(cit["jailed"].to_numpy(bool), c.jailed)
    np.testing.assert_array_equal(off["stress"], o.stress)
    np.testing.assert_array_equal(off["on_duty"].to_numpy(bool), o.on_duty)
    assert list(off["mode"]) == ["proximity" if p else "hotspot" if h else "reactive"
                                 for p, h in zip(o.proximity, o.hotspot)]
    assert "proximity" in set(off["mode"])
    assert cit["mode"].isna().all() and cit["stress"].isna().all() and cit["on_duty"].isna().all()
    assert off["trust"].isna().all() and off["active"].isna().all()
    # occupied cells: no two free agents share a cell
    free = f[(f["kind"] == "officer") | ~f["jailed"].fillna(False).astype(bool)]
    assert not free.duplicated(["x", "y"]).any()


def test_agents_frame_shows_epsteins_global_legitimacy_when_trust_is_off():
    m = Model(preset="epstein-run1", rng=4, width=30, height=30).run(3)
    cit = m.agents_frame().query("kind == 'citizen'")
    assert (cit["trust"] == m.p.legitimacy).all()
    assert cit["jailed"].sum() == m.citizens.jailed.sum() and cit["active"].sum() == m.citizens.active.sum()
