"""The ``trustsim`` command's start (issue 10, fast start): the registry of commands in
sim.commands is the one list of them and of their one-line help; ``trustsim --help`` imports no
command module (nor Mesa, pandas...), ``trustsim NAME`` imports only sim.commands.NAME."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim.commands
from sim.cli import build_parser, main
from sim.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("mesa", "pandas", "numpy", "scipy", "matplotlib", "dask", "pyarrow", "SALib", "solara")


def _modules_after(code: str) -> set[str]:
    """The top-level packages and the sim.commands modules loaded by ``code`` in a fresh interpreter."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    loaded = json.loads(res.stdout.strip().splitlines()[-1])
    return {m for m in loaded if m.startswith("sim.commands.")} | {m.split(".")[0] for m in loaded}


def test_the_registry_lists_exactly_the_command_modules():
    modules = sorted(info.name for info in pkgutil.iter_modules(sim.commands.__path__))
    assert sorted(COMMANDS) == modules
    assert all(isinstance(line, str) and line and "\n" not in line for line in COMMANDS.values())


def test_building_the_top_parser_imports_no_command_module_and_nothing_heavy():
    loaded = _modules_after("import sim.cli\nsim.cli.build_parser()")
    assert not {m for m in loaded if m.startswith("sim.commands.")}
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_help_lists_every_command_with_its_registry_line(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for name, line in COMMANDS.items():
        assert name in text and " ".join(line.split()) in text, name


def test_a_command_imports_its_own_module_only():
    loaded = _modules_after("import sim.cli\nsim.cli.build_parser('discover')")
    assert {m for m in loaded if m.startswith("sim.commands.")} == {"sim.commands.discover"}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_its_own_help_with_the_registry_line(name, capsys):
    with pytest.raises(SystemExit) as stop:
        main([name, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: trustsim {name}")
    sub = build_parser(name)._subparsers._group_actions[0]
    assert sub._choices_actions[0].help == COMMANDS[name]


@pytest.mark.parametrize("argv, needle", [([], "the following arguments are required: COMMAND"),
                                          (["bogus"], "invalid choice: 'bogus'"),
                                          (["--bogus"], "required: COMMAND")])
def test_a_missing_or_unknown_command_is_one_line_exit_2(argv, needle, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trustsim: error: ") and needle in lines[0], lines
