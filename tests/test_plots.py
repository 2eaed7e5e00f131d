"""Charts: produced for a small real comparison, the expected size, not blank, honest about
their data (bands, shared colour scales, clear/within-noise markers), and the plot command."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.image import AxesImage
from PIL import Image

import sim
from sim.cli import main
from sim.core.measures import measure_info
from sim.present import plots
from sim.results.stats import t_interval

TINY = {"name": "tiny-plots", "steps": 12, "replicates": 3, "seed": 5, "allow_unequal_budget": True,
        "base": {"params": {"width": 20, "height": 20, "vision": 3, "officer_vision": 3, "response_radius": 5}},
        "policies": [{"name": p, "preset": p} for p in ("reactive", "proximity", "social-support", "mixed")]}


@pytest.fixture(scope="module")
def res():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # unequal budgets on a tiny grid (allowed above)
        return sim.run_scenario(TINY, workers=1, progress=False)


@pytest.fixture(scope="module")
def folder(res, tmp_path_factory):
    return res.save(tmp_path_factory.mktemp("plots") / "tiny")


@pytest.fixture(scope="module")
def written(folder):
    """`trustsim plot DIR`: every chart as PNG in DIR/figures/."""
    assert main(["plot", str(folder)]) == 0
    return {p.stem: p for p in (folder / "figures").glob("*.png")}


def test_every_chart_is_a_png_of_the_expected_size_and_not_blank(written):
    assert {"timeseries", "timeseries_more", "forest", "costs", "maps"} <= set(written)
    for name, path in written.items():
        with Image.open(path) as im:
            w, h = im.size
            px = np.asarray(im.convert("RGB")).reshape(-1, 3)
            software = im.info.get("Software", "")
        assert w == round(plots.WIDTH_IN * plots.DPI), (name, w)    # designed for the report column
        assert 200 < h < 2000, (name, h)
        ink = (px < 235).any(axis=1).mean()
        assert ink > 0.03, f"{name}: only {ink:.1%} of the pixels are not white"
        assert len(np.unique(px, axis=0)) > 30, f"{name}: too few colours for a chart"
        assert "trustsim" in software                                # provenance in the file
    assert (written["timeseries"].parent / "figures.json").is_file()


def test_results_object_folder_and_frames_give_the_same_chart(res, folder):
    a = plots.timeseries(res)
    b = plots.timeseries(folder)
    c = plots.timeseries(plots.Data(timeseries=res.timeseries, manifest=res.manifest))
    for f in (a, b, c):
        assert [ax.get_title(loc="left") for ax in f.axes] == [ax.get_title(loc="left") for ax in a.axes]
        assert len(f.axes[0].lines) == len(res.policies)


def test_colours_labels_and_units(res):
    fig = plots.timeseries(res)
    palette = {c.lower() for c in plots.OKABE_ITO.values()}
    from matplotlib.colors import to_hex

    shown = [ax for ax in fig.axes if ax.get_visible()]
    for ax in shown:
        assert ax.get_title(loc="left") and ax.get_ylabel()                     # a name and a unit
        for line in ax.lines:
            assert to_hex(line.get_color()) in palette
    assert shown[-1].get_xlabel() == "day (step)"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "reactive (baseline)" and set(legend[1:]) == {"proximity", "social-support", "mixed"}
    forest = plots.forest(res)
    for ax in forest.axes:
        if ax.get_visible():
            assert ax.get_xlabel().startswith("minus reactive") and "better" in ax.get_title(loc="left")


def test_band_is_the_t_interval_across_replicates(res):
    ts = res.timeseries
    b = plots.band(ts, "trust_mean")
    for policy, step in (("proximity", 5), ("mixed", 12)):
        iv = t_interval(ts[(ts.policy == policy) & (ts.step == step)]["trust_mean"])
        r = b[(b.policy == policy) & (b.step == step)].iloc[0]
        assert r["mean"] == pytest.approx(iv.mean) and r["low"] == pytest.approx(iv.low)
        assert r["high"] == pytest.approx(iv.high)


def test_one_replicate_draws_lines_without_bands(res):
    one = res.timeseries[res.timeseries.replicate == 0]
    fig = plots.timeseries(plots.Data(timeseries=one, manifest=res.manifest))
    assert not any(isinstance(c, PolyCollection) for ax in fig.axes for c in ax.collections)
    assert all(len(ax.lines) == 4 for ax in fig.axes if ax.get_visible())


def test_forest_fills_only_clear_differences(res):
    fig = plots.forest(res, measures=("trust_mean",))
    ax = fig.axes[0]
    s = res.summary[res.summary.measure == "trust_mean"].set_index("policy")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    markers = [line for line in ax.lines if line.get_marker() not in (None, "None", "")]
    assert len(markers) == len(labels) == 3
    for line in markers:
        policy = labels[::-1][int(round(line.get_ydata()[0]))]
        lo, hi = s.loc[policy, "diff_ci_low"], s.loc[policy, "diff_ci_high"]
        filled = line.get_markerfacecolor() not in ("white", "w", "#ffffff")
        assert filled == bool(lo > 0 or hi < 0), policy


def test_maps_share_one_colour_scale_per_row(res):
    fig = plots.maps(res)
    images = [im for ax in fig.axes for im in ax.images if isinstance(im, AxesImage)]
    assert len(images) == 2 * len(res.policies)
    trust, incidents = images[:4], images[4:]
    assert len({im.get_clim() for im in trust}) == 1 and len({im.get_clim() for im in incidents}) == 1
    values = np.concatenate([res.maps[f"{p}/trust"][np.isfinite(res.maps[f"{p}/trust"])] for p in res.policies])
    assert trust[0].get_clim() == pytest.approx((values.min(), values.max()))
    top = max(res.maps[f"{p}/incidents"].max() for p in res.policies)
    assert incidents[0].get_clim() == pytest.approx((0, top))


def test_costs_stack_to_the_total(res):
    d = plots.as_data(res)
    cb = plots.cost_breakdown(d)
    assert np.allclose(cb[list(plots.COST_KINDS)].sum(axis=1), cb["total"])
    ts = res.timeseries[res.timeseries.step >= 1]
    assert cb.set_index("policy").loc["mixed", "total"] == pytest.approx(ts[ts.policy == "mixed"]["cost_total"].mean())
    fig = plots.costs(res)
    assert fig.axes[0].get_xlabel().startswith("officer-days per day")


def test_svg_and_pdf_figures(res, tmp_path):
    svg, pdf = tmp_path / "costs.svg", tmp_path / "costs.pdf"
    fig = plots.costs(res)
    fig.savefig(svg, format="svg", metadata=plots.metadata("svg"))
    fig.savefig(pdf, format="pdf", metadata=plots.metadata("pdf"))
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text[:2000] and "trustsim" in text[:3000]
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5000


def test_plot_command_errors(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "missing")]) == 2
    assert main(["plot", str(tmp_path), "--dpi", "5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("trustsim: error:") for line in err)


# ---------------------------------------------------------------------------------- sweeps
def sweep_frame():
    """Runs of a 3 x 4 grid, 2 policies, 3 replicates: trust = weight * bias (+ 0.1 * bias for
    proximity) + replicate noise shared by both policies (common random numbers)."""
    rows, point = [], 0
    for a in (0.1, 0.2, 0.3):
        for b in (1, 2, 3, 4):
            for r in range(3):
                for policy, shift in (("reactive", 0.0), ("proximity", 0.1)):
                    rows.append({"point": point, "policy": policy, "replicate": r, "weight": a, "bias": b,
                                 "trust_mean": a * b + shift * b + 0.01 * r * r, "incident_rate": b - 10 * shift})
            point += 1
    return pd.DataFrame(rows)


def test_sweep_heatmap_cells_are_the_means():
    f = sweep_frame()
    fig = plots.sweep_heatmap(f, "weight", "bias", "trust_mean", policies="proximity")
    z = fig.axes[0].images[0].get_array()
    expected = f[f.policy == "proximity"].groupby(["bias", "weight"])["trust_mean"].mean().unstack().to_numpy()
    assert np.allclose(z, expected)


def test_sweep_heatmap_of_the_difference_is_paired_and_centred():
    f = sweep_frame()
    fig = plots.sweep_heatmap(f, "weight", "bias", ("trust_mean", "incident_rate"), policies=["proximity"],
                              baseline="reactive")
    trust, incidents = (ax.images[0] for ax in fig.axes if ax.images)
    assert np.allclose(trust.get_array(), np.outer([1, 2, 3, 4], [0.1, 0.1, 0.1]))   # 0.1 * bias, any weight
    assert np.allclose(incidents.get_array(), -1.0)
    lo, hi = trust.get_clim()
    assert lo == pytest.approx(-hi)                                                   # diverging, centred on 0
    v = plots.sweep_values(f, "weight", "bias", "trust_mean", "proximity", "reactive")
    assert np.allclose(v["low"], v["value"]) and np.allclose(v["high"], v["value"])   # paired: no spread at all


def test_sweep_values_from_points_csv_use_its_intervals():
    points = pd.DataFrame({"point": [0, 0, 1, 1], "w": [1.0, 1.0, 2.0, 2.0], "b": [5, 5, 5, 5],
                           "policy": ["reactive", "proximity"] * 2, "measure": "trust_mean", "mean": [0.8, 0.9, 0.7, 0.75],
                           "ci_low": 0.0, "ci_high": 1.0, "diff_mean": [0.0, 0.1, 0.0, 0.05],
                           "diff_ci_low": [0.0, 0.05, 0.0, -0.01], "diff_ci_high": [0.0, 0.15, 0.0, 0.11]})
    v = plots.sweep_values(plots.Data(points=points), "w", "b", "trust_mean", "proximity", "reactive")
    assert v["value"].tolist() == [0.1, 0.05] and v["low"].tolist() == [0.05, -0.01]


def test_sensitivity_bars_with_intervals():
    sobol = pd.DataFrame({"method": "sobol", "measure": "trust_mean", "policy": "proximity", "kind": "difference",
                          "baseline": "reactive", "parameter": ["a", "b", "c"], "S1": [0.5, 0.2, 0.0],
                          "S1_ci_low": [0.4, 0.1, -0.05], "S1_ci_high": [0.6, 0.3, 0.05], "ST": [0.6, 0.3, 0.05],
                          "ST_ci_low": [0.5, 0.2, 0.0], "ST_ci_high": [0.7, 0.4, 0.1]})
    level = sobol.assign(kind="level", ST=9.0)           # must not be drawn: differences come first
    fig = plots.sensitivity(pd.concat([sobol, level]))
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == [0.6, 0.3, 0.05]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 1
    segments = bars[0].lines[2][0].get_segments()
    assert [tuple(np.round(sg[:, 0], 6)) for sg in segments] == [(0.5, 0.7), (0.2, 0.4), (0.0, 0.1)]
    morris = pd.DataFrame({"parameter": ["a", "b"], "mu_star": [1.0, 0.3], "mu_star_conf": [0.1, 0.1],
                           "sigma": [0.2, 0.1]})
    assert len(plots.sensitivity(morris).axes[0].patches) == 2


def test_a_real_sweep_folder(tmp_path):
    from sim.run.sweep import sweep

    spec = {**TINY, "name": "tiny-sweep", "steps": 6, "replicates": 2,
            "policies": [{"name": "reactive", "preset": "reactive"}, {"name": "proximity", "preset": "proximity"}],
            "parameters": {"negativity_bias": [2.0, 8.0], "report_trust_gain": [0.1, 0.4]}, "design": {"kind": "grid"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sweep(spec, out=tmp_path / "sw", workers=1, progress=False)
    d = plots.as_data(res)
    assert d.is_sweep and d.parameters == ["negativity_bias", "report_trust_gain"] and d.baseline == "reactive"
    figs = plots.figures(d)
    assert set(figs) == {"sweep_heatmap"}
    z = figs["sweep_heatmap"][0].axes[0].images[0].get_array()
    pts = res.points[(res.points.policy == "proximity") & (res.points.measure == "trust_mean")]
    assert np.allclose(np.sort(np.ravel(z)), np.sort(pts["diff_mean"]))


def test_daily_counts_are_smoothed_in_long_runs_only():
    rng = np.random.default_rng(0)
    steps = np.arange(81)
    frames = [pd.DataFrame({"policy": p, "replicate": r, "seed": r, "step": steps,
                            "incident_rate": rng.poisson(3, len(steps)).astype(float),
                            "trust_mean": 0.8 + 0.001 * steps})
              for p in ("reactive", "mixed") for r in range(3)]
    ts = pd.concat(frames, ignore_index=True)
    fig = plots.timeseries(plots.Data(timeseries=ts), measures=("trust_mean", "incident_rate"))
    trust_ax, rate_ax = fig.axes[:2]
    assert trust_ax.get_title(loc="left") == measure_info("trust_mean").short      # from the one source of labels
    assert rate_ax.get_title(loc="left") == "incident rate (7-day average)"
    mixed = ts[ts.policy == "mixed"]
    expected = mixed.groupby("replicate")["incident_rate"].transform(lambda x: x.rolling(7, min_periods=1).mean())
    expected = expected.groupby(mixed["step"]).mean().to_numpy()
    line = [ln for ln in rate_ax.lines if ln.get_label() == "mixed"][0]
    assert np.allclose(line.get_ydata(), expected)
    assert np.allclose([ln for ln in trust_ax.lines if ln.get_label() == "mixed"][0].get_ydata(),
                       0.8 + 0.001 * steps)                                   # levels are never smoothed
    short = plots.timeseries(plots.Data(timeseries=ts[ts.step <= 30]), measures=("incident_rate",))
    assert short.axes[0].get_title(loc="left") == "incident rate"


# ---------------------------------------------------------------------------------- damaged and other folders
def _zero_rows(path):
    pd.read_parquet(path).iloc[:0].to_parquet(path)


DAMAGE = {
    "timeseries-random": ("timeseries.parquet", lambda p: p.write_bytes(np.random.default_rng(1).bytes(3000))),
    "timeseries-empty-file": ("timeseries.parquet", lambda p: p.write_bytes(b"")),
    "timeseries-no-rows": ("timeseries.parquet", _zero_rows),
    "summary-garbage": ("summary.csv", lambda p: p.write_text("policy,measure,mean\nreactive,trust_mean,lots\n")),
    "summary-binary": ("summary.csv", lambda p: p.write_bytes(b"\x00\xff\xfe" * 500)),
    "summary-empty": ("summary.csv", lambda p: p.write_text("")),
    "maps-garbage": ("maps.npz", lambda p: p.write_bytes(b"PK\x03\x04 not a zip")),
    "manifest-garbage": ("manifest.json", lambda p: p.write_text("{not json")),
    "manifest-list": ("manifest.json", lambda p: p.write_text("[1, 2]")),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_damaged_file_is_one_line_naming_it_and_plot_leaves_no_folder(folder, tmp_path, capsys, case, command):
    import shutil

    name, damage = DAMAGE[case]
    copy = tmp_path / "results"
    copy.mkdir()
    for f in ("timeseries.parquet", "summary.csv", "maps.npz", "manifest.json"):
        shutil.copy(folder / f, copy / f)
    damage(copy / name)
    assert main([command, str(copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and name in err[0] and "again" in err[0], err
    assert not (copy / "figures").exists() and not (copy / "report.html").exists()


def test_a_validation_folder_points_to_its_own_report(tmp_path, capsys):
    (tmp_path / "runs.json").write_text("garbage")
    (tmp_path / "validation.json").write_text("{}")
    for command in ("plot", "report"):
        assert main([command, str(tmp_path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "validation.md" in err[0], err
    assert not (tmp_path / "figures").exists()


def test_plot_and_report_read_a_single_run_of_a_preset(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--preset", "reactive", "--steps", "20", "--out", str(out)]) == 0
    assert main(["plot", str(out)]) == 0
    assert {"timeseries", "maps"} <= {p.stem for p in (out / "figures").glob("*.png")}
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "One run of the reactive preset" in page and "only 1 replicate" in page
    assert "Bottom line:" in capsys.readouterr().out


def test_shares_start_at_zero_or_the_cut_is_marked_and_noise_is_left_out(res):
    fig = plots.timeseries(res)
    panels = {ax.get_title(loc="left").split(" (")[0]: ax for ax in fig.axes if ax.get_visible()}
    assert "incidents reported" not in panels                           # a daily share of a few incidents: noise
    revolt = panels["citizens in revolt"]
    assert revolt.get_ylabel() == "% of citizens" and revolt.get_ylim()[0] == 0
    top = max(line.get_ydata().max() for line in revolt.lines)
    share = res.timeseries.groupby(["policy", "step"])["active_fraction"].mean().max()
    assert top == pytest.approx(100 * share)                            # drawn in %
    for ax in panels.values():
        cut = "axis cut" in ax.get_ylabel()
        assert ax.get_ylim()[0] <= 0 or cut, ax.get_title(loc="left")
        assert cut == any(t.get_text() == "//" for t in ax.texts)      # the label and the break mark agree


def test_empty_map_cells_are_outside_the_colour_scale_and_in_the_legend(res):
    from matplotlib.colors import to_hex

    fig = plots.maps(res)
    trust = next(im for ax in fig.axes for im in ax.images if np.isnan(im.get_array().filled(np.nan)).any())
    cmap = trust.get_cmap()
    empty = to_hex(cmap.get_bad())
    assert empty not in {to_hex(cmap(x)) for x in np.linspace(0, 1, 256)}
    assert any("empty cell" in t.get_text() for leg in fig.legends for t in leg.get_texts())


def test_forest_greys_the_differences_too_small_to_matter(res):
    fig = plots.forest(res, measures=("trust_mean", "incident_rate"))
    trust, rate = fig.axes[:2]
    band = [p for p in trust.patches if abs(p.get_x() + 0.02) < 1e-12]       # trust's threshold: 0.02
    assert band and abs(band[0].get_width() - 0.04) < 1e-12
    s = res.summary
    base = float(s[(s.policy == "reactive") & (s.measure == "incident_rate")]["mean"].iloc[0])
    expected = measure_info("incident_rate").threshold * base                 # relative: 10% of the baseline
    assert any(abs(p.get_width() - 2 * expected) < 1e-9 for p in rate.patches) or base == 0
