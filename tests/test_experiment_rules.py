"""``trustsim compare --rules FILE [--rules-policies NAME ...]`` and ``sim.compare(rules=...,
rules_policies=...)``: a plug-in for all policies or the named ones, recorded in the manifest, and a bad
plug-in refused in one line before anything runs."""

import hashlib
import json
import subprocess
import sys

import pandas as pd
import pytest

import sim
from conftest import TINY_TOML
from sim.errors import UserError

pytestmark = pytest.mark.filterwarnings("ignore:only 1 replicate:UserWarning")

CALM = ("import numpy as np\nfrom sim.core.plugins import rule\n\n"
        "@rule\ndef grievance(hardship, legitimacy):\n    return np.zeros_like(hardship)\n")
WRONG_SHAPE = ("from sim.core.plugins import rule\n\n"
               "@rule\ndef grievance(hardship, legitimacy):\n    return 0.0\n")


@pytest.fixture
def files(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    (tmp_path / "calm.py").write_text(CALM)
    (tmp_path / "wrong.py").write_text(WRONG_SHAPE)
    return tmp_path


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def _folder(cwd):
    folders = list((cwd / "results").iterdir()) if (cwd / "results").exists() else []
    assert len(folders) == 1
    return folders[0]


def test_compare_rules_for_named_policies_changes_only_them_and_records_the_plugin(files):
    done = _cli("compare", "tiny.toml", "--workers", "1", "--rules", "calm.py", "--rules-policies", "mixed", cwd=files)
    assert done.returncode == 0, done.stderr
    assert "calm.py" in done.stdout and "in: mixed" in done.stdout
    out = _folder(files)
    manifest = json.loads((out / "manifest.json").read_text())
    plugin = manifest["plugin"]
    assert plugin["path"] == str((files / "calm.py").resolve())
    assert plugin["sha256"] == hashlib.sha256((files / "calm.py").read_bytes()).hexdigest()
    assert plugin["policies"] == ["mixed"] and plugin["rules"] == ["grievance"]
    ts = pd.read_parquet(out / "timeseries.parquet")
    mixed, reactive = ts[ts.policy == "mixed"], ts[ts.policy == "reactive"]
    assert (mixed.tension == 0).all() and (mixed.active_fraction == 0).all()
    plain = sim.run_scenario(files / "tiny.toml", workers=1, progress=False).timeseries
    plain_reactive = plain[plain.policy == "reactive"]
    assert (plain_reactive.tension > 0).any()
    pd.testing.assert_frame_equal(reactive.reset_index(drop=True), plain_reactive.reset_index(drop=True),
                                  check_dtype=False)


def test_compare_rules_without_policies_applies_to_every_policy(files):
    res = sim.compare(files / "tiny.toml", workers=1, progress=False, rules=files / "calm.py")
    assert (res.timeseries.tension == 0).all()
    assert res.manifest["plugin"]["policies"] == ["reactive", "mixed"]
    assert res.manifest["plugin"]["sha256"] == hashlib.sha256(CALM.encode()).hexdigest()


def test_a_plugin_returning_the_wrong_shape_is_one_line_before_anything_runs(files):
    done = _cli("compare", "tiny.toml", "--workers", "2", "--rules", "wrong.py", cwd=files)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "wrong.py" in lines[0] and "grievance" in lines[0] and "shape" in lines[0]
    assert not (files / "results").exists()                       # nothing ran, nothing written


@pytest.mark.parametrize("args, expected", [
    (("--rules", "calm.py", "--rules-policies", "mixd"), "mixd: unknown policy (did you mean mixed?)"),
    (("--rules-policies", "mixed"), "--rules-policies: needs --rules FILE"),
    (("--rules", "missing.py"), "missing.py: plug-in file not found"),
])
def test_bad_rules_options_are_one_line_and_exit_2(files, args, expected):
    done = _cli("compare", "tiny.toml", "--workers", "1", *args, cwd=files)
    assert done.returncode == 2 and expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (files / "results").exists()


def test_the_python_interface_checks_the_same_things(files):
    with pytest.raises(UserError, match="rules_policies: .*unknown policy"):
        sim.compare(files / "tiny.toml", workers=1, rules=files / "calm.py", rules_policies=["nope"])
    with pytest.raises(UserError, match="rules_policies: names the policies"):
        sim.compare(files / "tiny.toml", workers=1, rules_policies=["mixed"])
    with pytest.raises(UserError, match="wrong.py.*grievance"):
        sim.compare(files / "tiny.toml", workers=1, rules=files / "wrong.py")
    scenario_with_rules = files / "with.toml"
    scenario_with_rules.write_text(TINY_TOML.replace("seed = 7", 'seed = 7\nrules = "calm.py"'))
    with pytest.raises(UserError, match="already names a rule plug-in"):
        sim.compare(scenario_with_rules, workers=1, rules=files / "calm.py")
