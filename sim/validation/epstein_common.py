"""What the Epstein checks share: the paper's figures and the criteria's constants, run 2's
specs, the order-tagged base class, and the outburst, wait and tipping-point statistics.

Each ordered check runs under the activation orders of the suite: exact random sequential (the paper's
and NetLogo's order, the Epstein presets' own; the checks gate under it), synchronous and 10 random
sub-batches (reported and compared to the sequential order).
"""

from __future__ import annotations

import numpy as np

from sim.core.presets import get_preset, preset_params
from sim.validation.config import SEQUENTIAL, order_label, order_overrides, order_tag
from sim.validation.core import ACTIVES, OUTBURST_THRESHOLD, Check, RunSpec, find_outbursts

PAPER = "Epstein, J. M. (2002). Modeling civil violence: An agent-based computational approach. PNAS 99 (suppl. 3), 7243-7250"
RUN2 = "epstein-run2"
PUBLISHED_WAIT = (60.0, 55.0)          # mean, sd (Epstein 2002, Fig. 5)
PUBLISHED_ACTIVATION = (708.0, 230.0)  # mean, sd (Epstein 2002, Fig. 7)
PAPER_ORDER = SEQUENTIAL               # Epstein's random sequential order, exact
RELATIVE_TOLERANCE = 0.25              # a measured mean within +-25% of the published mean reproduces it
MIN_OUTBURSTS_PER_1000 = 5.0
MAX_SHARE_IN_OUTBURST = 0.5
TIP_WINDOW_CUTS = 2                    # a tip: at least half the rise within two consecutive cuts
TIP_MIN_SHARE = 0.5
REBELLION_MIN_SHARE_ABOVE = 0.9
REBELLION_MIN_FACTOR = 5.0
OUTBURST_DEFINITIONS = (25, 50, 100)   # thresholds (actives) whose effect on waits and sizes is reported
LEVEL_TAIL = 15                        # steps at the end of each officer level that are averaged
SETTLE = 25                            # steps after the last cut before the final level counts


def run2_specs(cfg, k, steps=None, **overrides):
    return [RunSpec.make(RUN2, s, steps or cfg.run2_steps, **order_overrides(k), **overrides)
            for s in cfg.seeds(cfg.run2_reps[k])]


def schedule_path(preset: str, param: str, steps: int) -> np.ndarray:
    """The value of ``param`` at each row 0..steps under the preset's interventions."""
    values = np.full(steps + 1, float(preset_params(preset)[param]))
    for step, changes in get_preset(preset).interventions:
        if param in changes and step <= steps:
            values[step:] = changes[param]
    return values


def threshold_density(densities, means, level=OUTBURST_THRESHOLD):
    """The highest density at or below which every mean exceeds ``level`` (None if the lowest does not)."""
    out = None
    for d, m in sorted(zip(densities, means)):
        if m > level:
            out = d
        else:
            break
    return out


class OrderedCheck(Check):
    def __init__(self, k: int):
        self.k = k
        # Epstein activates agents in random sequential order: the checks gate under it (exact, compiled);
        # under the synchronous order and 10 sub-batches they are reported.
        self.gating = type(self).gating and k == PAPER_ORDER
        self.name = f"{self.base_name}-{order_tag(k)}"
        self.title = f"{self.base_title} ({order_label(k)})"


def largest_rise(curve, cuts: int = TIP_WINDOW_CUTS):
    """The largest rise of ``curve`` between points ``cuts`` apart: ``(index where it starts, its share
    of the total rise curve[-1] - curve[0] (nan unless the total is positive), abrupt)``, abrupt when
    the total is positive and the share is at least TIP_MIN_SHARE."""
    total = curve[-1] - curve[0]
    rises = [curve[i + cuts] - curve[i] for i in range(len(curve) - cuts)]
    i_tip = int(np.argmax(rises))
    share = float(rises[i_tip] / total) if total > 0 else float("nan")
    return i_tip, share, bool(total > 0 and share >= TIP_MIN_SHARE)


def pooled_outbursts(runs, cfg, k):
    """(waits, activations) of run 2's outbursts under order ``k``, pooled over the replicates that ran."""
    specs = [s for s in run2_specs(cfg, k) if s in runs]
    obs = [find_outbursts(runs[s]["series"][ACTIVES]) for s in specs]
    return [w for o in obs for w in o.waits], [a for o in obs for a in o.activations]
