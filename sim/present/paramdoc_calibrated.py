"""The ODD's calibrated-defaults block: each parameter fitted by the shipped calibration, its default
before the calibration, the posterior median that is its default now, the posterior's 90% range and the
prior it was fitted on.

``Params`` defaults of the fitted parameters are the weighted medians of the shipped posterior
(``sim/data/posterior/``, :meth:`sim.scenario.posterior.Posterior.medians`); ``tests/test_calibrated_defaults.py``
fails when they differ. The values they replaced ("the old values kept in the ODD", issue 13) and the
priors come from the posterior's own manifest (``parameters``: each prior's range and the default at the
time of the run), so nothing here is kept by hand.
"""

from __future__ import annotations

import json

from sim.present.paramdoc_derived import fmt
from sim.scenario.posterior import MANIFEST_FILE, POSTERIOR_FILE, SHIPPED_POSTERIOR, load_posterior


def render_calibrated(folder=SHIPPED_POSTERIOR) -> str:
    """Markdown table of the calibrated defaults (a sentence when no posterior is shipped)."""
    if not (folder / POSTERIOR_FILE).exists():
        return "No posterior is shipped: every default is the value given in the parameter table.\n"
    post = load_posterior(folder)
    priors = {p["name"]: p for p in json.loads((folder / MANIFEST_FILE).read_text()).get("parameters", [])}
    medians = post.medians()
    out = [f"Shipped posterior: `sim/data/posterior/` ({len(post)} particles), produced by `{post.command}`.", "",
           "| Parameter | Before calibration | Default now (posterior median) | Posterior 90% range | Prior |",
           "|---|---|---|---|---|"]
    for name in post.parameters:
        low, high = (post.quantile(name, q) for q in (0.05, 0.95))
        p = priors.get(name, {})
        kind = "log-uniform" if p.get("scale") == "log" else "uniform"
        prior = f"{kind}, {p['low']:.3g} to {p['high']:.3g}" if p else "not recorded"
        before = fmt(p["default"]) if p else "not recorded"
        out.append(f"| `{name}` | `{before}` | `{fmt(medians[name])}` | {low:.3g} to {high:.3g} | {prior} |")
    return "\n".join(out) + "\n"


__all__ = ["render_calibrated"]
