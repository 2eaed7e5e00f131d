"""The generated parts of ``docs/ODD.md``: parameter table, presets, rules, schedule, streams.

Everything here is rendered from the code, so the documentation cannot drift from it:
``tests/test_docs.py`` fails when a block in ``docs/ODD.md`` differs from a fresh render.

    python -m sim.present.paramdoc                      # print the parameter table (markdown)
    python -m sim.present.paramdoc --block rules        # print another block
    python -m sim.present.paramdoc --write docs/ODD.md  # refresh every block in place
    python -m sim.present.paramdoc --check docs/ODD.md  # exit 1 if a block is stale

A block sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` marker comments.
The table's columns come from the field metadata of :class:`sim.core.params.Params` (name,
default, range or choices, unit, meaning, group) plus a "Reasoning and source" column
kept here in :data:`REASONING`, one entry per parameter (a test checks none is missing).
Reasoning texts must not quote current defaults (they change while the model is
calibrated): figures that depend on defaults go in the derived-quantities block, which is
computed by calling the rules of :mod:`sim.core.rules` at the defaults.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
import textwrap
from pathlib import Path

from sim.core import rules as rules_module
from sim.core.params import Params
from sim.errors import UserError

SIM_DIR = Path(__file__).resolve().parent.parent / "core"   # the model's sources, read for the generated tables

# ----------------------------------------------------------------------------- parameters

GROUP_TITLES = {
    "grid": "Grid, population, movement and activation order",
    "epstein": "Epstein's core (Model I)",
    "trust": "Endogenous trust (C1, C2)",
    "incidents": "Incidents, reporting and response (C2)",
    "officers": "Officers: stress, procedural quality, absence (C4)",
    "policy": "Policy: one budget per step (C3, C5)",
    "costs": "Costs (C5)",
}

_CHOSEN = "Chosen; to be explored by sensitivity analysis."

#: Where each default comes from, or why it was chosen. No current default values here.
REASONING: dict[str, str] = {
    # grid
    "width": "Epstein (2002) Runs 1-2 and NetLogo Rebellion use a 40 x 40 torus. Larger grids for policy "
             "runs: the cost per agent-step does not grow with the grid.",
    "height": "As `width`.",
    "citizen_density": "Epstein (2002) Runs 1-2; NetLogo Rebellion `initial-agent-density` 70 %.",
    "officer_density": "Epstein (2002) Runs 1-2; NetLogo Rebellion `initial-cop-density` 4 %. Used only "
                       "without a budget (the Epstein presets); with a budget see `budget_per_cell`.",
    "vision": "Epstein (2002) Runs 1-2; NetLogo Rebellion `vision` 7 patches.",
    "officer_vision": "Epstein (2002) Runs 1-2 (cop vision equal to agent vision); NetLogo uses one "
                      "`vision` for both.",
    "geometry": "NetLogo Rebellion's neighbourhood is `patches in-radius vision`, a Euclidean disc; Mesa's "
                "example uses a Moore square. Exposed because published versions differ (MODEL.md).",
    "movement_on": "Epstein's rule M. NetLogo's `movement?` switch stops citizens only; here it stops "
                   "officers too (see Known limitations).",
    "move_tries": "Numerical, not behavioural: draws of the rejection sampler that finds an empty cell "
                  "(D13 gives the chance of not finding one at the defaults).",
    "activation_batches": "Synchronous by default for speed and order-independence; K > 1 approximates "
                          "Epstein's random sequential order (section 3.3). Effect: docs/validation/.",
    # epstein
    "legitimacy": "Epstein (2002) Runs 1-2 and NetLogo Rebellion's slider use L = 0.82. Only used with "
                  "`trust_on` false.",
    "threshold": "Epstein (2002); NetLogo Rebellion sets `threshold 0.1`.",
    "arrest_k": "Epstein (2002): k = 2.3 makes P about 0.9 when C = A = 1 (1 - e^-2.3 = 0.90); NetLogo "
                "and Mesa use the same k (D1).",
    "arrest_ratio": "NetLogo Rebellion uses floor(C/A) (its Info tab: without it no punctuated equilibrium); "
                    "Mesa's example round(C/A); `literal` is the paper's formula as printed.",
    "max_jail_term": "Epstein (2002) Runs 1-2 and NetLogo Rebellion use J_max = 30. NetLogo draws "
                     "`random max-jail-term` (0..J_max-1); Mesa and trustsim draw 0..J_max.",
    "jailed_keep_cell": "Chosen. Mesa's example keeps the jailed citizen on (and blocking) its cell; NetLogo "
                        "leaves it on its patch without blocking it; neither option here is NetLogo's.",
    # trust
    "trust_on": "The project's main extension (MODEL.md): individual trust in place of a global L.",
    "trust_initial_mean": "Plays the part of Epstein's L (0.82 in his Runs 1-2); D2 compares the two "
                          "grievances. " + _CHOSEN,
    "trust_initial_sd": _CHOSEN + " Must satisfy sd^2 < mean (1 - mean) (Beta distribution; D15).",
    "trust_step": _CHOSEN + " Sets how fast experiences move trust (D3, D4).",
    "negativity_bias": "Skogan (2006): a bad encounter with the police has 4 to 14 times the impact of a "
                       "good one; the allowed range is that interval widened down to 1 (no asymmetry).",
    "weight_arrested": "Tyler's process-based legitimacy: being arrested is the strongest personal bad "
                       "experience. Relative weight " + _CHOSEN[0].lower() + _CHOSEN[1:],
    "weight_witness_arrest": "Tyler / procedural justice (Mazerolle et al. 2013): how an arrest is made "
                             "matters, hence the factor (1 - officer quality). " + _CHOSEN,
    "weight_help": "MODEL.md (receiving help is a good experience). " + _CHOSEN,
    "weight_report": "MODEL.md (a report answered or ignored). " + _CHOSEN,
    "weight_unanswered": "MODEL.md (an incident left unanswered nearby). Small because every witness of "
                         "every unanswered incident receives it. " + _CHOSEN,
    "trust_memory": "Chosen so that opinions fade over weeks to months (half-life in D7). " + _CHOSEN,
    "influence_on": "MODEL.md (trust moved by neighbours).",
    "influence_rate": "DeGroot-type averaging toward neighbours' mean trust. " + _CHOSEN,
    "influence_radius": "Local social network: the neighbours a few cells away. " + _CHOSEN,
    # incidents
    "incidents_on": "MODEL.md (incidents, reporting, response): closes the loop trust -> cooperation "
                    "-> effectiveness.",
    "incident_prob_active": "Active citizens (Epstein's open rebels) are the main source of incidents. "
                            + _CHOSEN,
    "incident_rate_quiet": "Background offending rising with grievance. " + _CHOSEN,
    "witness_radius": "Chosen: the immediate neighbours. With the Euclidean disc, radius 1 is the 4 "
                      "von Neumann neighbours.",
    "report_base": "Reporting rises with trust (C2; Tyler: legitimacy -> cooperation). Intercept "
                   + _CHOSEN[0].lower() + _CHOSEN[1:],
    "report_trust_gain": "As `report_base`: slope of reporting on trust (D9). " + _CHOSEN,
    "response_radius": _CHOSEN,
    "response_arrest_prob": _CHOSEN,
    # officers
    "stress_on": "MODEL.md C4 (officer stress, its effect on conduct and absence).",
    "quality_base": "Procedural quality of contacts and arrests (Tyler; Mazerolle et al. 2013). Compare "
                    "with the break-even quality D5: below it contacts lower trust on average. " + _CHOSEN,
    "stress_quality_loss": "C4: stressed officers are harsher (D6). " + _CHOSEN,
    "stress_per_confrontation": _CHOSEN + " Balance with recovery in D10.",
    "stress_recovery": _CHOSEN + " Balance with confrontations in D10.",
    "welfare_relief": "C4: welfare support lowers stress. " + _CHOSEN,
    "welfare_cost": _CHOSEN,
    "absence_max": "C4: stressed officers are sometimes absent (D11). " + _CHOSEN,
    # policy
    "budget_on": "MODEL.md: policies are allocations of one budget per step.",
    "budget_per_cell": "Chosen so that an all-officer allocation at `officer_cost` 1 buys Epstein's cop "
                       "density (see the allocation table).",
    "share_officers": "Default allocation = the `reactive` preset; the presets set all shares.",
    "share_support": "Set by the presets.",
    "share_welfare": "Set by the presets.",
    "share_awareness": "Set by the presets.",
    "proximity_fraction": "Set by the presets (0 reactive, 1 proximity).",
    "contact_time": "MODEL.md: proximity officers spend part of their time on contacts. " + _CHOSEN,
    "contact_radius": _CHOSEN,
    "contact_rate": _CHOSEN + " Contact chance per step in D8.",
    "beat_radius": "Proximity officers keep a beat (MODEL.md). " + _CHOSEN,
    "support_cost": _CHOSEN,
    "support_targeting": "MODEL.md C3: support targeted at high hardship; lower it to study mistargeting.",
    "support_effect": _CHOSEN + " Steady state of a supported citizen in D12.",
    "hardship_relapse": _CHOSEN + " Steady state of a supported citizen in D12.",
    "awareness_cost": _CHOSEN,
    "awareness_gain": "C3: campaigns lower the propensity to act (raise the threshold). " + _CHOSEN,
    "awareness_decay": _CHOSEN,
    # costs
    "officer_cost": "The unit of account (one officer-day), by definition.",
    "jail_cost": "Relative to an officer-day. " + _CHOSEN,
    "incident_cost": "Social cost of an incident relative to an officer-day. " + _CHOSEN,
}


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _range(spec: dict) -> str:
    if spec["type"] == "bool":
        return "switch"
    if spec["choices"] is not None:
        return ", ".join(f"`{c}`" for c in spec["choices"])
    if spec["lo"] is None:
        return "–"
    return f"[{_fmt(spec['lo'])}, {_fmt(spec['hi'])}]"


def param_groups(params_cls=Params) -> dict[str, list[str]]:
    """Parameter names by group, in declaration order."""
    groups: dict[str, list[str]] = {}
    for name in params_cls.names():
        groups.setdefault(params_cls.spec(name)["group"] or "other", []).append(name)
    return groups


def render_params_table(params_cls=Params, reasoning: dict | None = None) -> str:
    """The markdown parameter table, one sub-table per group, from the field metadata."""
    reasoning = REASONING if reasoning is None else reasoning
    out = []
    for group, names in param_groups(params_cls).items():
        out.append(f"#### {GROUP_TITLES.get(group, group)} (`{group}`)")
        out.append("")
        out.append("| Parameter | Default | Range or choices | Unit | Meaning | Reasoning and source |")
        out.append("|---|---|---|---|---|---|")
        for name in names:
            s = params_cls.spec(name)
            why = reasoning.get(name, "**Not documented yet: add it to `sim.present.paramdoc.REASONING`.**")
            out.append(f"| `{name}` | `{_fmt(s['default'])}` | {_range(s)} | {_cell(s['unit'] or '–')} "
                       f"| {_cell(s['doc'])} | {_cell(why)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# ----------------------------------------------------------------------------- presets

def render_presets() -> str:
    """The presets: description, parameter settings, interventions; then each one's allocation."""
    from sim.core.policy import allocate
    from sim.core.presets import PRESETS

    out = ["| Preset | What it is | Parameters set | Interventions |", "|---|---|---|---|"]
    for name, preset in PRESETS.items():
        settings = ", ".join(f"`{k}={_fmt(v)}`" for k, v in preset.params.items())
        ivs = preset.interventions
        if not ivs:
            when = "none"
        else:
            first, last = ivs[0], ivs[-1]
            when = (f"{len(ivs)}: step {first[0]} " + ", ".join(f"`{k}={_fmt(v)}`" for k, v in first[1].items()))
            if len(ivs) > 1:
                when += f" ... step {last[0]} " + ", ".join(f"`{k}={_fmt(v)}`" for k, v in last[1].items())
        out.append(f"| `{name}` | {_cell(preset.description)} | {settings} | {when} |")
    out += ["", "Allocation of each preset on its own grid at the defaults (from `sim.core.policy.allocate`; "
            "awareness a* is the steady state of `awareness_after_step` at that reach):", "",
            "| Preset | Grid | Officers | of which proximity | Citizens supported per step | Welfare level "
            "| Awareness reach per step | Awareness a* | Effective threshold at a* | Budget per step "
            "| Spent per step |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in PRESETS:
        p = Params.build(name)
        cells = p.width * p.height
        a = allocate(p, cells, int(round(p.citizen_density * cells)))
        level = _steady(lambda x, a=a, p=p: rules_module.awareness_after_step(x, a.awareness_reach, p), 0.0)
        thr = float(rules_module.effective_threshold(level, p))
        budget = _fmt(round(a.budget, 4)) if p.budget_on else "no budget"
        out.append(f"| `{name}` | {p.width}x{p.height} | {a.officers} | {a.proximity} | {a.support_recipients} "
                   f"| {a.welfare_level:.3g} | {a.awareness_reach:.3g} | {level:.3g} | {thr:.3g} | {budget} "
                   f"| {a.cost_policing + a.cost_programmes:.4g} |")
    return "\n".join(out) + "\n"


def _steady(update, x0: float, steps: int = 20000) -> float:
    x = x0
    for _ in range(steps):
        nxt = float(update(x))
        if abs(nxt - x) < 1e-13:
            return nxt
        x = nxt
    return x


# ----------------------------------------------------------------------------- rules

#: Context of each rule that the equation alone does not say: who it applies to, when, the claim.
RULE_NOTES: dict[str, str] = {
    "grievance": "Epstein's grievance; with `trust_on` the legitimacy L is the citizen's own trust T_i, so "
                 "trust lowers grievance (C2). Also gives the `tension` measure (mean over free citizens) "
                 "and scales the incident chance of quiet citizens.",
    "arrest_probability": "Epstein's estimated arrest probability. C counts on-duty officers (busy proximity "
                          "officers included, absent ones not) within the citizen's `vision`; A counts active "
                          "free citizens within `vision` plus the citizen itself (whether or not it is active "
                          "now), so A >= 1.",
    "becomes_active": "Epstein's activation rule, for free citizens only; the threshold is the effective "
                      "threshold (awareness, C3). Strict inequality.",
    "jail_terms": "One term per arrested citizen, from the `arrests` stream. The citizen is released at the "
                  "start of the step after the term has run out (a term of 0 means out the next step).",
    "incident_probability": "Each free citizen, once per step, after decisions and arrests (C2: trust "
                            "lowers G and so the quiet citizens' offending). No deterrence term: the arrest "
                            "probability does not enter.",
    "report_probability": "Each free citizen within `witness_radius` of an incident decides independently; "
                          "an incident is reported if at least one witness reports (C2: trust -> "
                          "cooperation). With `trust_on` false, T is the global L.",
    "trust_after_experiences": "Applied to every citizen (jailed too) once per step, with the step's summed "
                               "weighted good and bad experiences (being arrested, witnessing an arrest, "
                               "help, report answered/ignored, unanswered incident nearby, proximity "
                               "contacts). Tyler's process-based legitimacy; Skogan's asymmetry (C1, C2).",
    "trust_after_influence": "Free citizens with at least one free citizen within `influence_radius`; the "
                             "neighbours' mean is taken after this step's experiences. Only with "
                             "`influence_on`.",
    "trust_after_memory": "Every citizen, after experiences and influence: trust relaxes toward its initial "
                          "value T_0, so a trust shock fades and long-run trust stays anchored to T_0 unless "
                          "experiences keep coming.",
    "contact_probability": "Free citizens with n on-duty proximity officers within `contact_radius` (C1). "
                           "Whether the contact is good is drawn with probability equal to the mean quality "
                           "of those officers; a good contact adds 1 to `good`, a bad one 1 to `bad` (weight "
                           "fixed at 1).",
    "officer_quality": "Procedural quality of each officer (C4), from its current stress; constant "
                       "`quality_base` with `stress_on` false. Used for contacts and witnessed arrests.",
    "absence_probability": "Drawn once per officer per step from the previous step's stress (C4). Absent "
                           "officers stay on the grid and move, but neither count in C nor arrest, respond "
                           "or make contacts.",
    "stress_after_step": "At the end of each step, for every officer (C4). Confrontations are arrests (core "
                         "or after a response) plus responses to reports; welfare_level is the funded "
                         "fraction of full relief.",
    "support_priority": "Each step the `support_recipients` free citizens with the highest priority are "
                        "supported (C3). Noise from the `policy` stream.",
    "hardship_after_step": "Every citizen, every step (jailed too; only free citizens can be supported). "
                           "As computed, the support cut applies after the relapse: H' = (1 - effect) "
                           "(H + relapse (H_0 - H)) for a supported citizen (C3).",
    "awareness_after_step": "One scalar for the whole population, once per step; reach is the funded "
                            "fraction of citizens reached per step (C3). The code clips a' to [0, 1].",
    "effective_threshold": "Used by `becomes_active` for every citizen: awareness is population-wide (C3).",
}


def _rule_params(func) -> list[str]:
    names = re.findall(r"\bp\.([A-Za-z_]\w*)", inspect.getsource(func))
    return sorted(set(names), key=names.index)


def _rule_body(func) -> str:
    """The function's source without its docstring."""
    src = textwrap.dedent(inspect.getsource(func))
    tree = ast.parse(src)
    fn = tree.body[0]
    lines = src.splitlines()
    doc = fn.body[0] if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(
        getattr(fn.body[0], "value", None), ast.Constant) and isinstance(fn.body[0].value.value, str) else None
    if doc is None:
        return src.rstrip()
    keep = lines[:doc.lineno - 1] + lines[doc.end_lineno:]
    return "\n".join(keep).rstrip()


def _call_sites(files=("model.py", "measures.py")) -> dict[str, list[str]]:
    """rule name -> ["Class.method (sim/core/file.py)", ...] for every ``<x>.rules.<name>`` reference."""
    sites: dict[str, list[str]] = {}
    for fname in files:
        tree = ast.parse((SIM_DIR / fname).read_text())
        _walk_calls(tree, [], fname, sites, attr="rules")
    return sites


def _walk_calls(node, scope, fname, sites, attr):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            _walk_calls(child, [*scope, child.name], fname, sites, attr)
            continue
        if (isinstance(child, ast.Attribute) and isinstance(child.value, ast.Attribute)
                and child.value.attr == attr):
            where = f"`{'.'.join(s for s in scope if s != '<lambda>')}` (sim/core/{fname})"
            lst = sites.setdefault(child.attr, [])
            if where not in lst:
                lst.append(where)
        _walk_calls(child, scope, fname, sites, attr)


def render_rules() -> str:
    """One subsection per rule of :mod:`sim.core.rules`: equation (docstring), code, parameters, use."""
    sites = _call_sites()
    out = []
    for i, name in enumerate(rules_module.RULE_NAMES, 1):
        func = getattr(rules_module, name)
        doc = inspect.cleandoc(func.__doc__ or "(no docstring)")
        params = _rule_params(func)
        out += [f"#### 7.R{i} `{name}`", "", "Equation (the rule's docstring):", "", "```text", doc, "```", "",
                "As the code computes it:", "", "```python", _rule_body(func), "```", ""]
        out.append("Parameters: " + (", ".join(f"`{p}`" for p in params) if params else "none") + ".  ")
        out.append("Called in: " + (", ".join(sites.get(name, [])) or "not called by the engine") + ".  ")
        out.append("Context and claim: " + RULE_NOTES.get(
            name, "**Not documented yet: add it to `sim.present.paramdoc.RULE_NOTES`.**"))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# ----------------------------------------------------------------------------- schedule and streams

def render_schedule() -> str:
    """The source of ``TrustModel.step``: the schedule of one step, verbatim."""
    from sim.core.model import TrustModel

    return "```python\n" + textwrap.dedent(inspect.getsource(TrustModel.step)).rstrip() + "\n```\n"


def render_streams() -> str:
    """Each random stream and the methods of sim/model.py that draw from it."""
    from sim.core.model import STREAMS

    tree = ast.parse((SIM_DIR / "model.py").read_text())
    uses: dict[str, list[str]] = {}

    def walk(node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                walk(child, [*scope, child.name])
                continue
            if (isinstance(child, ast.Subscript) and isinstance(child.value, ast.Attribute)
                    and child.value.attr == "streams" and isinstance(child.slice, ast.Constant)):
                lst = uses.setdefault(child.slice.value, [])
                where = f"`{'.'.join(scope)}`"
                if where not in lst:
                    lst.append(where)
            walk(child, scope)

    walk(tree, [])
    out = ["| Stream | Drawn in (sim/core/model.py) |", "|---|---|"]
    for name in STREAMS:
        out.append(f"| `{name}` | {', '.join(uses.get(name, [])) or 'not used yet'} |")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- derived quantities

def _bisect(f, lo: float, hi: float, iters: int = 200) -> float | None:
    """A root of increasing-or-decreasing ``f`` on [lo, hi], or None if no sign change."""
    flo, fhi = f(lo), f(hi)
    if flo == 0:
        return lo
    if fhi == 0:
        return hi
    if (flo > 0) == (fhi > 0):
        return None
    for _ in range(iters):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return (lo + hi) / 2


def _derived(p: Params) -> list[tuple[str, str, str]]:
    """(id, quantity, value) rows, each computed by calling the rules at ``p``."""
    r = rules_module
    t0 = p.trust_initial_mean
    rows = []

    def add(ident, what, compute):
        try:
            value = compute()
        except Exception as err:  # a changed rule signature must not stop the doc from rendering
            value = f"not computable ({type(err).__name__})"
        rows.append((ident, what, value))

    add("D1", "Epstein arrest probability P at C = A = 1 (`arrest_probability`)",
        lambda: f"{float(r.arrest_probability(1.0, 1.0, p)):.3f}")
    add("D2", "Grievance of a citizen at median hardship 0.5: with L = `legitimacy` / with T = "
              "`trust_initial_mean`",
        lambda: f"{float(r.grievance(0.5, p.legitimacy)):.3f} / {float(r.grievance(0.5, t0)):.3f}")
    add("D3", "Trust after being arrested once, from T = `trust_initial_mean`",
        lambda: f"{float(r.trust_after_experiences(t0, 0.0, p.weight_arrested, p)):.3f} (from {t0:g})")

    def one(good, bad):
        return float(r.trust_after_experiences(t0, good, bad, p))

    add("D4", "Trust after one good / one bad experience of weight 1, from T = `trust_initial_mean`",
        lambda: f"{one(1.0, 0.0):.4f} / {one(0.0, 1.0):.4f} (changes {one(1.0, 0.0) - t0:+.4f} / "
                f"{one(0.0, 1.0) - t0:+.4f})")

    def break_even():
        g, b = one(1.0, 0.0), one(0.0, 1.0)
        return (t0 - b) / (g - b)

    add("D5", "Break-even share of good contacts at T = `trust_initial_mean`: below it a proximity contact "
              "lowers expected trust; compare `quality_base`",
        lambda: f"{break_even():.3f} (quality_base {p.quality_base:g})")

    def flip_stress():
        q = break_even()
        s = _bisect(lambda s: float(r.officer_quality(s, p)) - q, 0.0, 1.0)
        if s is not None:
            return f"{s:.3f}"
        return ("none: contacts raise trust even at stress 1" if float(r.officer_quality(1.0, p)) > q
                else "none: contacts lower trust even at stress 0")

    add("D6", "Officer stress at which its quality falls to the break-even share D5", flip_stress)

    def half_life():
        x, n = 0.0, 0
        while x < 0.5 and n < 100000:
            x, n = float(r.trust_after_memory(x, 1.0, p)), n + 1
        return f"{n} steps" if x >= 0.5 else "never"

    add("D7", "Half-life of a trust deviation under `trust_memory` alone", half_life)
    add("D8", "Contact chance per step of a citizen near one / three proximity officers",
        lambda: f"{float(r.contact_probability(1, p)):.3f} / {float(r.contact_probability(3, p)):.3f}")
    add("D9", "Report chance of one witness at T = 0 / T = `trust_initial_mean` / T = 1",
        lambda: " / ".join(f"{float(r.report_probability(t, p)):.3f}" for t in (0.0, t0, 1.0)))

    def stress_balance(level):
        c = _bisect(lambda c: float(r.stress_after_step(0.5, c, level, p)) - 0.5, 0.0, 1000.0)
        return "none" if c is None else f"{c:.3f}"

    add("D10", "Confrontations per officer-step that keep stress constant: without welfare / at full welfare",
        lambda: f"{stress_balance(0.0)} / {stress_balance(1.0)}")
    add("D11", "Absence chance of an officer at stress 0.5 / 1",
        lambda: f"{float(r.absence_probability(0.5, p)):.3f} / {float(r.absence_probability(1.0, p)):.3f}")

    def supported():
        import numpy as np

        h = _steady(lambda x: r.hardship_after_step(np.array([x]), np.array([1.0]), np.array([True]), p)[0], 1.0)
        return f"{h:.3f} x H_0"

    add("D12", "Steady hardship of a citizen supported every step", supported)

    def move_fail():
        from sim.core.policy import allocate

        cells = p.width * p.height
        a = allocate(p, cells, int(round(p.citizen_density * cells)))
        full = p.citizen_density + a.officers / cells
        return f"{full ** p.move_tries:.3f} (occupied fraction {full:.3f}, {p.move_tries} draws)"

    add("D13", "Chance a mover finds no empty cell in `move_tries` draws (and stays), at the default densities",
        move_fail)

    def awareness_default():
        from sim.core.policy import allocate

        cells = p.width * p.height
        a = allocate(p, cells, int(round(p.citizen_density * cells)))
        level = _steady(lambda x: r.awareness_after_step(x, a.awareness_reach, p), 0.0)
        return f"{level:.3f}"

    add("D14", "Steady awareness at the default allocation (see the preset table for the others)",
        awareness_default)

    def beta():
        m, sd = t0, p.trust_initial_sd
        if sd == 0:
            return f"all equal to {m:g}"
        nu = m * (1 - m) / sd ** 2 - 1
        return f"Beta({m * nu:.3g}, {(1 - m) * nu:.3g})"

    add("D15", "Initial trust distribution", beta)
    return rows


def render_derived(p: Params | None = None) -> str:
    """Derived quantities at the defaults, each computed by calling the rules."""
    p = p or Params()
    out = ["| Id | Quantity (at the default parameters) | Value |", "|---|---|---|"]
    out += [f"| {i} | {_cell(what)} | {_cell(value)} |" for i, what, value in _derived(p)]
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- blocks in a file

BLOCKS = {
    "params": render_params_table,
    "presets": render_presets,
    "schedule": render_schedule,
    "streams": render_streams,
    "rules": render_rules,
    "derived": render_derived,
}


def _pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.S)


def block_text(text: str, name: str) -> str | None:
    """The current content of block ``name`` in ``text`` (None when its markers are missing)."""
    m = _pattern(name).search(text)
    return m.group(2) if m else None


def rendered_blocks() -> dict[str, str]:
    return {name: render() for name, render in BLOCKS.items()}


def refresh(text: str, blocks: dict[str, str] | None = None, path: str = "the document") -> str:
    """``text`` with every block replaced by its fresh rendering. Missing markers: UserError."""
    blocks = rendered_blocks() if blocks is None else blocks
    missing = [n for n in blocks if block_text(text, n) is None]
    if missing:
        raise UserError([f"{path}: no '<!-- {n}:start -->' ... '<!-- {n}:end -->' block "
                         f"(each marker on its own line)" for n in missing])
    for name, content in blocks.items():
        text = _pattern(name).sub(lambda m, c=content: m.group(1) + c + m.group(3), text, count=1)
    return text


def stale_blocks(text: str) -> list[str]:
    """Names of the blocks whose content differs from a fresh rendering."""
    return [n for n, c in rendered_blocks().items() if block_text(text, n) != c]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.present.paramdoc",
                                     description="Render the generated parts of docs/ODD.md from the code.")
    parser.add_argument("--block", choices=list(BLOCKS), default="params", help="block to print (default: params)")
    parser.add_argument("--write", metavar="PATH", type=Path, help="refresh every block of PATH in place")
    parser.add_argument("--check", metavar="PATH", type=Path, help="exit 1 if a block of PATH is stale")
    args = parser.parse_args(argv)
    try:
        for path in (args.write, args.check):
            if path is not None and not path.is_file():
                raise UserError(f"{path}: no such file")
        if args.write:
            old = args.write.read_text()
            new = refresh(old, path=str(args.write))
            if new != old:
                args.write.write_text(new)
            print(f"{args.write}: {'refreshed' if new != old else 'already up to date'}")
            return 0
        if args.check:
            text = args.check.read_text()
            refresh(text, path=str(args.check))  # raises on missing markers
            stale = stale_blocks(text)
            if stale:
                print(f"{args.check}: stale blocks: {', '.join(stale)}; run: python -m sim.present.paramdoc --write "
                      f"{args.check}", file=sys.stderr)
                return 1
            print(f"{args.check}: up to date")
            return 0
        sys.stdout.write(BLOCKS[args.block]())
        return 0
    except UserError as err:
        for line in err.problems:
            print(f"paramdoc: error: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
