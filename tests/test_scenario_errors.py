"""Malformed scenario files: the CLI (a real subprocess) prints one line per problem naming the
file, the key path and what was expected, exits with 2, shows no traceback, writes nothing."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sim.core.presets import POLICY_PRESETS

GOOD = """\
name = "ok"
steps = 10
replicates = 2
seed = 3
[base.params]
width = 20
height = 20
vision = 4
officer_vision = 4
response_radius = 6
[[policies]]
name = "reactive"
preset = "reactive"
[[policies]]
name = "mixed"
preset = "mixed"
"""

# (id, edit of GOOD: (old, new), (None, text to append) or a function of the text, what stderr must contain)
CASES = [
    ("bad-toml-syntax", ("steps = 10", "steps = = 10"), "invalid TOML"),
    ("missing-name", ('name = "ok"\n', ""), "name: expected a name"),
    ("name-with-spaces", ('name = "ok"', 'name = "my run"'), "name: expected a name"),
    ("negative-steps", ("steps = 10", "steps = -5"), "steps: expected an integer in [1, 100000], got -5"),
    ("steps-as-float", ("steps = 10", "steps = 10.5"), "steps: expected an integer"),
    ("steps-as-string", ("steps = 10", 'steps = "ten"'), "steps: expected an integer in [1, 100000], got 'ten'"),
    ("zero-replicates", ("replicates = 2", "replicates = 0"), "replicates: expected an integer in [1, 10000], got 0"),
    ("negative-seed", ("seed = 3", "seed = -1"), "seed: expected an integer in [0,"),
    ("window-out-of-range", ("seed = 3", "seed = 3\nwindow = 1.5"), "window: expected a number in (0, 1], got 1.5"),
    ("unequal-flag-not-bool", ("seed = 3", 'seed = 3\nallow_unequal_budget = "yes"'),
     "allow_unequal_budget: expected true or false"),
    ("unknown-top-key", ("replicates = 2", "replicate = 2\nreplicates = 2"),
     "replicate: unknown key (did you mean replicates"),
    ("empty-policy-list", lambda text: text[:text.index("[[policies]]")].replace("seed = 3", "seed = 3\npolicies = []"),
     "policies: expected at least one [[policies]] table"),
    ("policies-not-tables",
     lambda text: text[:text.index("[[policies]]")].replace("seed = 3", 'seed = 3\npolicies = "reactive"'),
     "policies: expected an array of tables"),
    ("duplicate-policy-names", ('name = "mixed"', 'name = "reactive"'),
     "policies[1].name: expected a unique policy name, got 'reactive' again"),
    ("unknown-base-preset", ("[base.params]", '[base]\npreset = "reactiv"\n[base.params]'),
     "base.preset: expected a preset name"),
    ("unknown-policy-preset", ('preset = "mixed"', 'preset = "mixd"'), "policies[1].preset: expected a policy preset"),
    ("epstein-preset-as-policy", ('preset = "mixed"', 'preset = "epstein-run1"'),
     "policies[1].preset: expected a policy preset (other presets go in [base])"),
    ("shares-not-summing-to-1", ('preset = "mixed"', "budget_shares = { officers = 0.5, support = 0.3 }"),
     "policies[1].budget_shares: expected officers + support + welfare + awareness = 1"),
    ("share-out-of-range", ('preset = "mixed"', "budget_shares = { officers = 1.5 }"),
     "policies[1].budget_shares.officers: expected a number in [0, 1], got 1.5"),
    ("share-wrong-type", ('preset = "mixed"', 'budget_shares = { officers = "all" }'),
     "policies[1].budget_shares.officers: expected a number"),
    ("unknown-share", ('preset = "mixed"', "budget_shares = { officers = 0.8, suport = 0.2 }"),
     "policies[1].budget_shares.suport: unknown key (did you mean support"),
    ("unknown-parameter", ("vision = 4", "vison = 4"), "base.params.vison: unknown parameter (did you mean vision"),
    ("parameter-wrong-type", ("width = 20", 'width = "wide"'), "base.params.width: expected an integer, got 'wide'"),
    ("parameter-out-of-range", ("vision = 4", "vision = 4\ncitizen_density = 1.5"),
     "base.params.citizen_density: expected a value in [0, 0.95]"),
    ("radius-too-big-for-grid", ("response_radius = 6", "response_radius = 12"),
     "base: response_radius: expected at most 9 on a 20x20 grid"),
    ("policy-share-set-twice", ('preset = "mixed"', 'preset = "mixed"\nbudget_shares = { officers = 1.0 }\n'
                                                   "[policies.params]\nshare_officers = 1.0"),
     "policies[1].params.share_officers: expected to be set once"),
    ("baseline-not-a-policy", ("seed = 3", 'seed = 3\nbaseline = "mixd"'),
     "baseline: expected the name of one of the policies: one of reactive, mixed; got 'mixd' (did you mean 'mixed'?)"),
    ("intervention-step-zero", (None, "\n[[interventions]]\nstep = 0\nshock = { trust = -0.1 }\n"),
     "interventions[0].step: expected an integer in [1, 10], got 0"),
    ("intervention-after-the-run", (None, "\n[[interventions]]\nstep = 11\nshock = { trust = -0.1 }\n"),
     "interventions[0].step: expected an integer in [1, 10], got 11"),
    ("intervention-without-change", (None, "\n[[interventions]]\nstep = 5\n"),
     "interventions[0]: expected at least one of set, policy, shock"),
    ("intervention-shock-too-big", (None, "\n[[interventions]]\nstep = 5\nshock = { trust = -2 }\n"),
     "interventions[0].shock.trust: expected a number in [-1, 1], got -2"),
    ("intervention-unknown-shock", (None, "\n[[interventions]]\nstep = 5\nshock = { legitimacy = -0.2 }\n"),
     "interventions[0].shock.legitimacy: unknown key"),
    ("intervention-fixed-parameter", (None, "\n[[interventions]]\nstep = 5\nset = { width = 30 }\n"),
     "interventions[0].set.width: expected a parameter that can change during a run"),
    ("intervention-unknown-policy", (None, '\n[[interventions]]\nstep = 5\npolicy = "proximty"\n'),
     f"interventions[0].policy: expected a policy preset: one of {', '.join(POLICY_PRESETS)}; "
     "got 'proximty' (did you mean 'proximity'?)"),
    ("policy-intervention-bad-set", (None, "\n[[policies.interventions]]\nstep = 5\nset = { trust_memory = -1 }\n"),
     "policies[1].interventions[0].set.trust_memory: expected a value in"),
    ("rules-file-missing", ("seed = 3", 'seed = 3\nrules = "nowhere.py"'), "rules: expected an existing file"),
    ("rules-not-python", ("seed = 3", 'seed = 3\nrules = "rules.txt"'), "rules: expected the path of a Python file"),
    ("unequal-budgets", ('preset = "mixed"', 'preset = "mixed"\n[policies.params]\nbudget_per_cell = 0.05'),
     "budgets differ (as planned): policy 'mixed' spends up to 25% more per step"),
]


# These go through sim.cli.main in this process (the same code path, without a process start
# each); the others run as real subprocesses.
IN_PROCESS = {"steps-as-float", "steps-as-string", "negative-seed", "unequal-flag-not-bool", "name-with-spaces",
              "share-wrong-type", "parameter-wrong-type", "intervention-after-the-run", "intervention-unknown-shock",
              "intervention-unknown-policy", "rules-not-python", "policy-share-set-twice"}
SUBPROCESS = [c for c in CASES if c[0] not in IN_PROCESS]


def _text(edit) -> str:
    if callable(edit):
        return edit(GOOD)
    old, new = edit
    if old is None:
        return GOOD + new
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def _command(name):
    return "compare" if len(name) % 2 else "run"  # both commands, about half each


def _run(case, root: Path):
    name, edit, _ = case
    folder = root / name
    folder.mkdir()
    (folder / "s.toml").write_text(_text(edit))
    res = subprocess.run([sys.executable, "-m", "sim.cli", _command(name), "s.toml", "--workers", "1"],
                         capture_output=True, text=True, cwd=folder, timeout=300)
    return res.returncode, res.stdout, res.stderr, sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every subprocess case runs once, two at a time."""
    root = tmp_path_factory.mktemp("bad-scenarios")
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: _run(c, root), SUBPROCESS))
    return {case[0]: r for case, r in zip(SUBPROCESS, results)}


def test_there_are_at_least_twenty_kinds_of_malformed_file_run_through_a_real_process():
    assert len(SUBPROCESS) >= 20 and len({c[0] for c in CASES}) == len(CASES)
    assert IN_PROCESS <= {c[0] for c in CASES}


def _check(case, code, out, err, files):
    needle = case[2]
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err                              # exactly one problem, one line
    assert lines[0].startswith("trustsim: error: s.toml: ")  # names the file
    assert needle in lines[0], lines[0]
    assert "Traceback" not in err and out == ""
    assert files == ["s.toml"]                               # no results/ folder, nothing else


@pytest.mark.parametrize("case", SUBPROCESS, ids=[c[0] for c in SUBPROCESS])
def test_a_malformed_scenario_gives_one_line_exit_2_and_writes_nothing(outcomes, case):
    _check(case, *outcomes[case[0]])


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in IN_PROCESS], ids=sorted(IN_PROCESS, key=[
    c[0] for c in CASES].index))
def test_more_malformed_scenarios_through_the_cli_entry_point(case, tmp_path, monkeypatch, capsys):
    from sim.cli import main

    (tmp_path / "s.toml").write_text(_text(case[1]))
    monkeypatch.chdir(tmp_path)
    code = main([_command(case[0]), "s.toml", "--workers", "1"])
    captured = capsys.readouterr()
    _check(case, code, captured.out, captured.err, sorted(p.name for p in tmp_path.iterdir()))


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = GOOD.replace("steps = 10", "steps = -1").replace("vision = 4", "vison = 4").replace(
        'preset = "mixed"', "budget_shares = { officers = 0.2 }") + "\n[[interventions]]\nstep = 0\n"
    (tmp_path / "s.toml").write_text(text)
    res = subprocess.run([sys.executable, "-m", "sim.cli", "compare", "s.toml"], capture_output=True, text=True,
                         cwd=tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    for key in ("steps:", "base.params.vison:", "policies[1].budget_shares:", "interventions[0].step:",
                "interventions[0]: expected at least one"):
        assert sum(key in line for line in lines) == 1, (key, res.stderr)
    assert all(line.startswith("trustsim: error: s.toml: ") for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]
