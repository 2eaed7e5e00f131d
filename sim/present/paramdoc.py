"""The generated parts of ``docs/ODD.md``: parameter table, presets, rules, schedule, streams, calibrated defaults.

Everything here is rendered from the code, so the documentation cannot drift from it:
``tests/test_docs.py`` fails when a block in ``docs/ODD.md`` differs from a fresh render.

    python -m sim.present.paramdoc                      # print the parameter table (markdown)
    python -m sim.present.paramdoc --block rules        # print another block
    python -m sim.present.paramdoc --write docs/ODD.md  # refresh every block in place
    python -m sim.present.paramdoc --check docs/ODD.md  # exit 1 if a block is stale

A block sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` marker comments.
The table's columns come from the field metadata of :class:`sim.core.params.Params` (name,
default, range or choices, unit, meaning, group) plus a "Reasoning and source" column
kept in :data:`REASONING` (:mod:`sim.present.paramdoc_notes`), one entry per parameter (a test checks none is missing).
Reasoning texts must not quote current defaults (they change while the model is
calibrated): figures that depend on defaults go in the derived-quantities block, which is
computed by calling the rules of :mod:`sim.core.rules` at the defaults (:mod:`sim.present.paramdoc_derived`).
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
from sim.core.model import STREAMS, TrustModel
from sim.core.params import Params
from sim.core.policy import allocate
from sim.core.presets import PRESETS
from sim.errors import UserError
from sim.present.paramdoc_calibrated import render_calibrated
from sim.present.paramdoc_derived import cell, derived, fmt, render_derived, steady
from sim.present.paramdoc_notes import GROUP_TITLES, REASONING, RULE_NOTES

SIM_DIR = Path(__file__).resolve().parent.parent / "core"   # the model's sources, read for the generated tables
__all__ = ["GROUP_TITLES", "REASONING", "RULE_NOTES", "derived", "fmt"]  # kept here (sim/present/paramdoc_notes.py, _derived.py)


def _range(spec: dict) -> str:
    if spec["type"] == "bool":
        return "switch"
    if spec["choices"] is not None:
        return ", ".join(f"`{c}`" for c in spec["choices"])
    if spec["lo"] is None:
        return "–"
    return f"[{fmt(spec['lo'])}, {fmt(spec['hi'])}]"


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
            out.append(f"| `{name}` | `{fmt(s['default'])}` | {_range(s)} | {cell(s['unit'] or '–')} "
                       f"| {cell(s['doc'])} | {cell(why)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# ----------------------------------------------------------------------------- presets

# ----------------------------------------------------------------------------- presets

def render_presets() -> str:
    """The presets: description, parameter settings, interventions; then each one's allocation."""
    out = ["| Preset | What it is | Parameters set | Interventions |", "|---|---|---|---|"]
    for name, preset in PRESETS.items():
        settings = ", ".join(f"`{k}={fmt(v)}`" for k, v in preset.params.items())
        ivs = preset.interventions
        if not ivs:
            when = "none"
        else:
            first, last = ivs[0], ivs[-1]
            when = (f"{len(ivs)}: step {first[0]} " + ", ".join(f"`{k}={fmt(v)}`" for k, v in first[1].items()))
            if len(ivs) > 1:
                when += f" ... step {last[0]} " + ", ".join(f"`{k}={fmt(v)}`" for k, v in last[1].items())
        out.append(f"| `{name}` | {cell(preset.description)} | {settings} | {when} |")
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
        level = steady(lambda x, a=a, p=p: rules_module.awareness_after_step(x, a.awareness_reach, p), 0.0)
        thr = float(rules_module.effective_threshold(level, p))
        budget = fmt(round(a.budget, 4)) if p.budget_on else "no budget"
        out.append(f"| `{name}` | {p.width}x{p.height} | {a.officers} | {a.proximity} | {a.support_recipients} "
                   f"| {a.welfare_level:.3g} | {a.awareness_reach:.3g} | {level:.3g} | {thr:.3g} | {budget} "
                   f"| {a.cost_policing + a.cost_programmes:.4g} |")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- rules

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


def _call_sites(files=("model.py", "modelstate.py", "experiences.py", "measures.py")) -> dict[str, list[str]]:
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
    return "```python\n" + textwrap.dedent(inspect.getsource(TrustModel.step)).rstrip() + "\n```\n"


def render_streams() -> str:
    """Each random stream and the methods of sim/model.py that draw from it."""
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

# ----------------------------------------------------------------------------- blocks in a file

BLOCKS = {
    "params": render_params_table,
    "presets": render_presets,
    "schedule": render_schedule,
    "streams": render_streams,
    "rules": render_rules,
    "derived": render_derived,
    "calibrated": render_calibrated,
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
