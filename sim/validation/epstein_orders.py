"""The effect of the activation order: what the Epstein checks measured under each order, compared
with the sequential order (the paper's, under which they gate).
"""

from __future__ import annotations

import numpy as np

from sim.validation.config import order_label, order_tag
from sim.validation.core import (
    Check,
    fmt_ci,
    new_figure,
    save_figure,
)
from sim.validation.epstein_common import (
    PAPER,
    PAPER_ORDER,
    pooled_outbursts,
)

# --------------------------------------------------------------------------- activation order


FIGURE_STATS = ("outbursts per 1,000 steps", "activation per outburst (replicate means)",
                "wait between outbursts (replicate means)", "peak difference jump - salami")


class ActivationOrder(Check):
    """Compares what the other Epstein checks measured under each activation order."""

    name = "epstein-activation-order"
    title = "Effect of the activation order on the Epstein findings"
    published = ("Epstein activates agents in random sequential order; the findings should not hinge on the order "
                 "(the Epstein presets run it exactly; synchronous updating and 10 random sub-batches are compared).")
    source = PAPER
    criterion = ("Reported, not gating (the Epstein checks gate under the paper's order, exact random "
                 "sequential): every pass/fail Epstein check that ran passes under every activation "
                 "order compared (the findings survive the change of order); the size of each effect is reported.")
    gating = False

    def __init__(self, orders):
        self.orders = tuple(orders)
        self.configuration = ("orders: " + ", ".join(map(order_label, self.orders))
                              + "; the same seeds under each order")

    def ks_tests(self, runs, cfg) -> dict:
        """{order: waits and activations pooled over run 2's replicates, with two-sample KS tests
        against the sequential order's}; empty if run 2 did not run under the sequential order."""
        from scipy.stats import ks_2samp

        if not cfg.run2_reps.get(PAPER_ORDER):
            return {}
        ref_w, ref_a = pooled_outbursts(runs, cfg, PAPER_ORDER)
        out = {}
        for k in self.orders:
            if k == PAPER_ORDER or not cfg.run2_reps.get(k) or not ref_w or not ref_a:
                continue
            w, a = pooled_outbursts(runs, cfg, k)
            if len(w) < 2 or len(a) < 2:
                continue
            kw, ka = ks_2samp(w, ref_w), ks_2samp(a, ref_a)
            out[k] = {"waits_n": len(w), "waits_mean": float(np.mean(w)), "waits_sd": float(np.std(w, ddof=1)),
                      "waits_cv": float(np.std(w, ddof=1) / np.mean(w)), "ks_waits_D": float(kw.statistic),
                      "ks_waits_p": float(kw.pvalue), "act_n": len(a), "act_mean": float(np.mean(a)),
                      "ks_act_D": float(ka.statistic), "ks_act_p": float(ka.pvalue)}
        return out

    def collect(self, results) -> tuple[dict, list]:
        """({order: {statistic: interval}} of what the other checks measured, [(check name, passed)] of
        the pass/fail Epstein checks under each order)."""
        def get(base, k):
            r = results.get(f"{base}-{order_tag(k)}")
            return r if r is not None and r.verdict != "error" else None

        verdicts = []
        table = {}
        for k in self.orders:
            row = {}
            p, a, w = get("epstein-run2-punctuated", k), get("epstein-run2-activation", k), get("epstein-run2-wait", k)
            sj, cw, jw = get("epstein-salami-vs-jump", k), get("epstein-cop-withdrawal", k), get("epstein-jail-wait", k)
            if p:
                row["outbursts per 1,000 steps"] = p.measured["outbursts_per_1000"]
                row["max actives in a run"] = p.measured["max_actives"]
            if a:
                row["activation per outburst (replicate means)"] = a.measured["replicate_means"]
            if w:
                row["wait between outbursts (replicate means)"] = w.measured["replicate_means"]
            if sj:
                row["peak difference jump - salami"] = sj.measured["paired_difference"]
            if cw:
                row["tip share of the rise (2 cuts)"] = cw.measured["tip_share"]
            if jw:
                s = jw.measured["slope"]
                row["slope of wait on J_max"] = {"mean": s["slope"], "lo": s["lo"], "hi": s["hi"], "n": s["n"]}
            table[k] = row
            for r in results.values():
                if r.group == "epstein" and r.verdict in ("pass", "FAIL") and r.name.endswith(f"-{order_tag(k)}"):
                    verdicts.append((r.name, r.passed))
        return table, verdicts

    @staticmethod
    def ks_details(ks: dict) -> list:
        """The report's table of the KS tests (empty without tests)."""
        if not ks:
            return []
        details = ["", f"Two-sample Kolmogorov-Smirnov tests against the {order_label(PAPER_ORDER)} order "
                       "(pooled over replicates; waits between outbursts and total activation per outburst; "
                       "cv = sd / mean of the waits, the paper's is 55 / 60 = 0.92):", "",
                   "| order | waits: n, mean, sd, cv | KS D (p) | activation: n, mean | KS D (p) |",
                   "|---|---|---|---|---|"]
        for k, row in ks.items():
            details.append(f"| {order_label(k)} | {row['waits_n']}, {row['waits_mean']:.1f}, {row['waits_sd']:.1f}, "
                           f"{row['waits_cv']:.2f} | {row['ks_waits_D']:.3f} ({row['ks_waits_p']:.3g}) | "
                           f"{row['act_n']}, {row['act_mean']:.0f} | {row['ks_act_D']:.3f} ({row['ks_act_p']:.3g}) |")
        return details

    def figure(self, table: dict, names):
        """One bar chart per statistic of FIGURE_STATS that was measured, a bar per order."""
        shown = [n for n in FIGURE_STATS if n in names]
        fig, axes = new_figure(11, 3.2, ncols=max(1, len(shown)))
        for ax, n in zip(axes, shown):
            vals = [table[k].get(n) or {"mean": np.nan, "lo": np.nan, "hi": np.nan} for k in self.orders]
            m = np.array([v["mean"] for v in vals])
            err = np.array([[v["mean"] - v["lo"], v["hi"] - v["mean"]] if np.isfinite(v["lo"]) else [0, 0]
                            for v in vals]).T
            ax.bar([order_tag(k) for k in self.orders], m, yerr=err, capsize=4, color=["C0", "C1", "C2"][:len(m)])
            ax.set_title(n, fontsize=8)
        fig.suptitle(self.title + " (95% intervals)", fontsize=10)
        return fig

    def analyse(self, runs, cfg, figdir, results):
        table, verdicts = self.collect(results)
        passed = all(v is True for _, v in verdicts) if verdicts else None
        names = sorted({n for row in table.values() for n in row})
        details = ["| statistic | " + " | ".join(order_label(k) for k in self.orders) + " |",
                   "|---|" + "---|" * len(self.orders)]
        for n in names:
            details.append(f"| {n} | " + " | ".join(fmt_ci(table[k].get(n), 2 if "share" in n or "slope" in n else 1)
                                                     for k in self.orders) + " |")
        ks = self.ks_tests(runs, cfg)
        details += self.ks_details(ks)
        failed = [n for n, v in verdicts if v is not True]
        by_base = {}
        for n, v in verdicts:
            by_base.setdefault(n.rsplit("-", 1)[0], set()).add(v)
        agree = all(len(v) == 1 for v in by_base.values())
        details.append("")
        details.append(f"- every check has the same verdict under each order: {'yes' if agree else 'no'}")
        details.append(f"- pass/fail Epstein checks compared: {len(verdicts)}; not passing: {', '.join(failed) or 'none'}")
        fig = self.figure(table, names)
        return self.result(
            measured={**{order_tag(k): row for k, row in table.items()}, "verdicts_agree_across_orders": agree,
                      "ks_against_sequential": {order_tag(k): row for k, row in ks.items()}},
            headline="findings hold under every order" if passed else
            (f"not every finding holds under every order ({', '.join(failed)})"
             + ("; the verdicts are the same under each order" if agree else "")),
            passed=passed, verdict="pass" if passed else ("FAIL" if passed is False else "not measurable"),
            details=details, figure=save_figure(fig, figdir, self.name))
