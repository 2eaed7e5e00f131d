"""docs/ODD.md stays in step with the code.

The generated blocks of docs/ODD.md (parameter table, presets, schedule, streams, rules, derived
quantities) must equal a fresh rendering by sim.present.paramdoc: a changed default, rule or schedule fails
here until the document is refreshed with ``python -m sim.present.paramdoc --write docs/ODD.md``.
"""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.core.params import Params
from sim.core.presets import PRESETS
from sim.core.rules import RULE_NAMES
from sim.present import paramdoc

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
REFRESH = "run: .venv/bin/python -m sim.present.paramdoc --write docs/ODD.md"


@pytest.fixture(scope="module")
def odd_text():
    return ODD.read_text()


@pytest.fixture(scope="module")
def fresh():
    return paramdoc.rendered_blocks()


@pytest.mark.parametrize("name", list(paramdoc.BLOCKS))
def test_generated_block_in_odd_equals_fresh_rendering(odd_text, fresh, name):
    current = paramdoc.block_text(odd_text, name)
    assert current is not None, f"docs/ODD.md has no <!-- {name}:start --> ... <!-- {name}:end --> block"
    assert current == fresh[name], f"the '{name}' block of docs/ODD.md is stale; {REFRESH}"


def test_parameter_table_is_the_generated_one_and_lists_every_field_with_its_default(odd_text):
    table = paramdoc.block_text(odd_text, "params")
    assert table == paramdoc.render_params_table(), REFRESH
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| `([^`]*)` \|", table, re.M)}
    assert list(rows) == Params.names()
    for f in dataclasses.fields(Params):
        assert rows[f.name] == paramdoc.fmt(f.default), f.name


def test_changed_default_makes_the_table_differ():
    """The check above can fail: the same metadata with another default renders another table."""

    class Changed:
        names = staticmethod(Params.names)

        @staticmethod
        def spec(name):
            s = Params.spec(name)
            return s | {"default": Params().vision + 1} if name == "vision" else s

    before, after = paramdoc.render_params_table(), paramdoc.render_params_table(Changed)
    assert before != after
    assert f"| `vision` | `{Params().vision + 1}` |" in after


def test_every_rule_name_appears_in_odd(odd_text):
    missing = [n for n in RULE_NAMES if f"`{n}`" not in odd_text]
    assert not missing, f"rules missing from docs/ODD.md: {missing}"


def test_every_preset_name_appears_in_odd(odd_text):
    missing = [n for n in PRESETS if f"`{n}`" not in odd_text]
    assert not missing, f"presets missing from docs/ODD.md: {missing}"


def test_every_parameter_has_reasoning_and_no_stale_entries():
    names = set(Params.names())
    assert not names - set(paramdoc.REASONING), (
        f"parameters without reasoning in sim.present.paramdoc.REASONING: {sorted(names - set(paramdoc.REASONING))}")
    assert not set(paramdoc.REASONING) - names, (
        f"REASONING entries for unknown parameters: {sorted(set(paramdoc.REASONING) - names)}")


def test_every_rule_has_a_note_and_every_group_a_title():
    assert set(RULE_NAMES) <= set(paramdoc.RULE_NOTES), sorted(set(RULE_NAMES) - set(paramdoc.RULE_NOTES))
    assert not set(paramdoc.RULE_NOTES) - set(RULE_NAMES), "RULE_NOTES for rules that no longer exist"
    assert set(paramdoc.param_groups()) <= set(paramdoc.GROUP_TITLES)


def test_derived_quantities_are_all_computable():
    rows = paramdoc.derived(Params())
    broken = [(i, v) for i, _, v in rows if str(v).startswith("not computable")]
    assert not broken, broken


def test_refresh_restores_a_stale_block_and_rejects_missing_markers(odd_text):
    stale = odd_text.replace(paramdoc.block_text(odd_text, "params"), "old table\n", 1)
    assert paramdoc.stale_blocks(stale) == ["params"]
    assert paramdoc.refresh(stale) == paramdoc.refresh(odd_text)
    with pytest.raises(paramdoc.UserError, match="params:start"):
        paramdoc.refresh(stale.replace("<!-- params:start -->", ""), path="x.md")


def test_module_entry_point_prints_the_table():
    out = subprocess.run([sys.executable, "-m", "sim.present.paramdoc"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == paramdoc.render_params_table()


def test_write_refreshes_in_place_and_check_reports_stale_blocks(tmp_path, odd_text, capsys):
    doc = tmp_path / "ODD.md"
    doc.write_text(odd_text.replace(paramdoc.block_text(odd_text, "params"), "stale\n", 1))
    assert paramdoc.main(["--check", str(doc)]) == 1
    assert "params" in capsys.readouterr().err
    assert paramdoc.main(["--write", str(doc)]) == 0
    assert paramdoc.block_text(doc.read_text(), "params") == paramdoc.render_params_table()
    assert doc.read_text() == paramdoc.refresh(odd_text)
    assert paramdoc.main(["--check", str(doc)]) == 0


def test_bad_paths_and_missing_markers_give_one_line_errors_and_exit_2(tmp_path, capsys):
    assert paramdoc.main(["--write", str(tmp_path / "none.md")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and len(err.strip().splitlines()) == 1
    plain = tmp_path / "plain.md"
    plain.write_text("no markers here\n")
    assert paramdoc.main(["--write", str(plain)]) == 2
    assert "params:start" in capsys.readouterr().err
    assert plain.read_text() == "no markers here\n"
