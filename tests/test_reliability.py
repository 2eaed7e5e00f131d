"""Reliability (issue 15): nothing lost, nothing hangs, every bad input one line.

Covers the helpers that make it so, and the commands where they are wired in:
- a per-run time limit (sim.core.timelimit) in the main thread and in other threads;
- bounded TOML reading (sim.scenario.limits): size, nesting depth, unreadable and binary files;
- output-location checks before any run (sim.storage.guard);
- the CLI's endings (sim.cli): user errors one line exit 2, bugs one line exit 1 (traceback with
  TRUSTSIM_DEBUG=1), Ctrl-C 130, SIGTERM 143, control and bidi characters escaped;
- a hypothesis fuzz test over the structure of scenario and sweep files: each generated file runs
  (tiny) or is refused with exit 2, one line per problem, and nothing written.

Every helper is wired into the commands; the section "wired into the commands" checks them there
(each writing command's --out, time limits and plug-in failures per sweep run, corrupt parts on
resume, pool workers started to exit with their parent).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import cli
from sim.core.presets import POLICY_PRESETS, PRESETS
from sim.core.timelimit import TimeLimitExceeded, check_time_limit, run_time_limit
from sim.errors import UserError
from sim.scenario import limits
from sim.scenario.files import MAX_SEED, MAX_STEPS, TOP_KEYS
from sim.scenario.limits import MAX_TOML_BYTES, MAX_TOML_DEPTH, check_seed, check_steps, loads_toml_bounded, read_toml_bounded, toml_depth
from sim.storage.guard import check_output_location, is_results_folder

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def assert_one_line_errors(lines):
    assert lines, "expected an error message"
    assert all(line.startswith("trustsim: error: ") for line in lines), lines
    assert not any("Traceback" in line for line in lines)


# ================================================================== time limit
def _spin():
    while True:
        pass


def test_time_limit_stops_a_loop_in_the_main_thread_with_one_line():
    with pytest.raises(UserError) as err:
        with run_time_limit(0.3):
            _spin()
    assert isinstance(err.value, TimeLimitExceeded)
    assert err.value.problems == ["run exceeded its time limit of 0.3 s (set time_limit in the scenario)"]


def test_time_limit_is_lifted_after_the_block_and_restores_the_previous_handler():
    before = signal.getsignal(signal.SIGALRM)
    with run_time_limit(0.2):
        pass
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    time.sleep(0.3)                      # no stray alarm fires afterwards


def test_an_inner_limit_does_not_cancel_an_outer_one():
    with pytest.raises(TimeLimitExceeded, match="of 0.4 s"):
        with run_time_limit(0.4):
            with run_time_limit(0.1 + 1e-9):
                pass
            _spin()


def test_time_limit_in_another_thread_stops_that_thread_only():
    seen = []

    def work():
        try:
            with run_time_limit(0.3):
                _spin()
        except UserError as err:
            seen.append(err.problems)
        time.sleep(0.2)                  # no pending exception left behind
        seen.append("after")

    t = threading.Thread(target=work)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive()
    assert seen == [["run exceeded its time limit of 0.3 s (set time_limit in the scenario)"], "after"]


def test_a_looping_plugin_rule_is_stopped_by_the_time_limit():
    from sim.core.model import TrustModel
    from sim.core.plugins import guard_model

    m = TrustModel(preset="mixed", rng=1, width=12, height=12, vision=3, officer_vision=3, response_radius=5)
    m.rules.report_probability = lambda trust, p: _spin()
    guard_model(m)
    with pytest.raises(TimeLimitExceeded):
        with run_time_limit(0.3):
            m.run(3)
    with pytest.raises(UserError, match="cannot step again"):   # its state is half-changed
        m.step()


@pytest.mark.parametrize("value", [0, -1, "10", float("nan"), float("inf"), True])
def test_bad_time_limits_are_one_line_errors(value):
    with pytest.raises(UserError, match=r"^time_limit: expected a number of seconds > 0"):
        check_time_limit(value)


def test_no_time_limit_with_none_or_zero():
    for value in (None, 0):
        with run_time_limit(value):
            pass
    assert check_time_limit(None) is None and check_time_limit(5) == 5.0


# ================================================================== bounded TOML
DEEP = {
    "arrays 10,000 deep": "x = " + "[" * 10_000 + "]" * 10_000 + "\n",
    "inline tables 10,000 deep": "x = " + "{a = " * 10_000 + "1" + "}" * 10_000 + "\n",
    "20,000-part header": "[" + ".".join(["a"] * 20_000) + "]\nx = 1\n",
    "20,000-part array-of-tables header": "[[" + ".".join(["a"] * 20_000) + "]]\nx = 1\n",
    "20,000-part dotted key": ".".join(["a"] * 20_000) + " = 1\n",
    "mixed: arrays of inline tables": "x = " + "[{a = " * 5_000 + "1" + "}]" * 5_000 + "\n",
}


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_is_refused_in_one_line_before_parsing(tmp_path, name, monkeypatch):
    import tomllib

    def no_parse(*a, **k):
        raise AssertionError("the parser was reached")

    monkeypatch.setattr(tomllib, "loads", no_parse)
    f = tmp_path / "deep.toml"
    f.write_text(DEEP[name])
    with pytest.raises(UserError) as err:
        read_toml_bounded(f, "scenario")
    (line,) = err.value.problems
    assert line.startswith(f"{f}: line 1: nested too deeply") and "\n" not in line


def test_depth_scan_ignores_strings_and_comments_and_counts_real_nesting():
    text = ('a = "[[[[{{{{"\nb = \'\'\'\n[[[[\n\'\'\'\n# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\nc = """x\n"[[[[" """\n'
            '[p.q]\nr = [1.5, 2.5, { s.t = [3] }]\n')
    depth, line = toml_depth(text)
    assert depth == 7 and line == 9     # p.q (2) + r (1) + its array, inline table, inner array (3) + s.t's dot (1)
    assert loads_toml_bounded(text, "t")["p"]["q"]["r"][2]["s"]["t"] == [3]


def test_every_shipped_scenario_and_sweep_reads_as_tomllib_reads_it():
    import tomllib

    files = sorted((ROOT / "experiments").rglob("*.toml"))
    assert files
    for f in files:
        table, path = read_toml_bounded(f, "scenario")
        assert table == tomllib.loads(f.read_text()) and path == f.resolve()
        assert toml_depth(f.read_text())[0] <= 5


def test_a_50_mb_file_is_refused_without_reading_it_all(tmp_path):
    f = tmp_path / "big.toml"
    with open(f, "w") as fh:
        line = "x = 1\n" * 100_000
        while fh.tell() < 50 * 2**20:
            fh.write(line)
    with pytest.raises(UserError, match=r"too large \(more than [\d,]+ bytes\)") as err:
        read_toml_bounded(f, "sweep")
    assert len(err.value.problems) == 1 and str(f) in err.value.problems[0]
    assert MAX_TOML_BYTES < 50 * 2**20


@pytest.mark.parametrize("data, needle", [
    (bytes(range(256)) * 16, "not UTF-8"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "not UTF-8"),
    (b"name = 'x'\x00\x00\x00", "binary file"),
    (b"\xef\xbb\xbf= = =", "invalid TOML"),
])
def test_binary_garbage_is_one_line(tmp_path, data, needle):
    f = tmp_path / "garbage.toml"
    f.write_bytes(data)
    with pytest.raises(UserError) as err:
        read_toml_bounded(f, "scenario")
    (line,) = err.value.problems
    assert needle in line and str(f) in line and "\n" not in line


def test_random_bytes_never_escape_as_anything_but_a_user_error(tmp_path):
    import random

    rnd = random.Random(7)
    for i in range(50):
        f = tmp_path / f"r{i}.toml"
        f.write_bytes(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400))))
        try:
            read_toml_bounded(f, "scenario")
        except UserError as err:
            assert len(err.problems) == 1 and "\n" not in err.problems[0]


def test_missing_folder_and_unreadable_files(tmp_path, monkeypatch):
    with pytest.raises(UserError, match="no such scenario file"):
        read_toml_bounded(tmp_path / "nope.toml", "scenario")
    with pytest.raises(UserError, match="is a folder"):
        read_toml_bounded(tmp_path, "scenario")
    with pytest.raises(UserError, match="not a regular file"):
        read_toml_bounded("/dev/null", "scenario")
    f = tmp_path / "secret.toml"
    f.write_text("name = 'x'\n")
    real_open = open

    def denied(path, *a, **k):              # works as root too (root ignores permission bits)
        if Path(path) == f:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **k)

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(UserError, match=r"cannot read the scenario file \(permission denied\); check its permissions"):
        read_toml_bounded(f, "scenario")


@pytest.mark.skipif(IS_ROOT, reason="root ignores permission bits (the monkeypatched test covers it)")
def test_a_file_without_read_permission(tmp_path):
    f = tmp_path / "secret.toml"
    f.write_text("name = 'x'\n")
    f.chmod(0)
    with pytest.raises(UserError, match="permission denied"):
        read_toml_bounded(f, "scenario")


def test_text_input():
    assert read_toml_bounded("a = 1\n[b]\nc = 2\n", "sweep") == ({"a": 1, "b": {"c": 2}}, None)


@pytest.mark.parametrize("name", ["arrays 10,000 deep", "20,000-part header"])
def test_deep_scenario_files_are_refused_by_run_and_sweep(tmp_path, capsys, name):
    f = tmp_path / "deep.toml"
    f.write_text('name = "x"\nsteps = 2\nreplicates = 1\nseed = 1\n' + DEEP[name])
    for command in ("run", "sweep"):
        status, lines, _ = cli([command, f, "--out", tmp_path / command], capsys)
        assert status == 2
        assert_one_line_errors(lines)
        assert len(lines) == 1 and "nested too deeply" in lines[0]
        assert not (tmp_path / command).exists()


# ================================================================== seeds and steps caps
def test_seed_and_steps_caps_are_the_scenario_files_caps():
    assert check_seed(MAX_SEED) == MAX_SEED and check_steps(MAX_STEPS) == MAX_STEPS and check_steps(0) == 0
    for bad in (-1, MAX_SEED + 1, 18446744073709551616, 1.0, True, "1"):
        with pytest.raises(UserError, match=r"^--seed: expected an integer in \[0, 9223372036854775807\]"):
            check_seed(bad)
    for bad in (-1, MAX_STEPS + 1, 1_000_000_000_000, 2.5, None):
        with pytest.raises(UserError, match=rf"^--steps: expected an integer in \[0, {MAX_STEPS}\]"):
            check_steps(bad)


@pytest.mark.parametrize("option, value", [("--seed", "18446744073709551616"), ("--steps", "1000000000000")])
def test_run_preset_applies_the_caps_before_running(tmp_path, capsys, option, value):
    status, lines, _ = cli(["run", "--preset", "mixed", option, value, "--out", tmp_path / "o"], capsys)
    assert status == 2 and len(lines) == 1 and lines[0].startswith(f"trustsim: error: {option}:")
    assert not (tmp_path / "o").exists()


# ================================================================== output locations
def _results_folder(path: Path) -> Path:
    from sim.storage.provenance import provenance

    path.mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps({"command": "run", **provenance()}))
    (path / "timeseries.parquet").write_bytes(b"x")
    return path


def _refused(path, kind="folder", match=None):
    with pytest.raises(UserError) as err:
        check_output_location(path, kind=kind)
    (line,) = err.value.problems
    assert line.startswith(f"--out {path}: ") and "\n" not in line
    if match:
        assert match in line, line
    return line


def test_out_under_proc_or_sys_is_refused():
    _refused("/proc/x", match="kernel interface")
    _refused("/sys/trustsim-results", match="kernel interface")
    _refused("/proc/self/cwd/../x", match="kernel interface")


def test_out_through_a_file_or_at_a_file_is_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("precious")
    _refused(f / "sub", match="is a file, not a folder")
    _refused(f / "a" / "b", match="is a file, not a folder")
    _refused(f, match="is a file, not a folder")
    assert f.read_text() == "precious"


def test_out_at_a_non_empty_folder_that_is_not_trustsim_results_is_refused(tmp_path):
    d = tmp_path / "photos"
    d.mkdir()
    (d / "cat.jpg").write_text("meow")
    _refused(d, match="not a trustsim results folder")
    _refused(d, kind="new_folder")
    (d / "manifest.json").write_text(json.dumps({"versions": {"python": "3"}}))   # not trustsim's
    _refused(d, match="not a trustsim results folder")


def test_new_empty_and_trustsim_results_folders_are_accepted(tmp_path):
    assert check_output_location(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()                  # the check creates nothing
    (tmp_path / "empty").mkdir()
    check_output_location(tmp_path / "empty")
    results = _results_folder(tmp_path / "res")
    assert is_results_folder(results)
    check_output_location(results)                          # e.g. a sweep to resume
    _refused(results, kind="new_folder", match="holds trustsim results already")
    assert [p.name for p in tmp_path.iterdir()].count(".trustsim-probe") == 0
    assert not list(tmp_path.rglob(".trustsim-probe-*"))


def test_sweep_and_validation_folders_are_results_folders(tmp_path):
    from sim.storage.provenance import provenance

    s = tmp_path / "sweep"
    s.mkdir()
    (s / "sweep.json").write_text(json.dumps({"sha256": "ab", "resolved": {}}))
    v = tmp_path / "validation"
    v.mkdir()
    (v / "validation.json").write_text(json.dumps({"provenance": provenance()}))
    m = tmp_path / "sweep-manifest"
    m.mkdir()
    (m / "manifest.json").write_text(json.dumps({"sweep": "x", "sessions": [provenance()]}))
    assert is_results_folder(s) and is_results_folder(v) and is_results_folder(m)
    g = tmp_path / "garbage"
    g.mkdir()
    (g / "manifest.json").write_bytes(b"\x00\xff{")
    assert not is_results_folder(g) and not is_results_folder(tmp_path / "missing")


def test_report_out_at_an_unrelated_existing_file_is_refused(tmp_path):
    f = tmp_path / "thesis.html"
    f.write_text("<html>my thesis</html>")
    _refused(f, kind="file", match="was not written by trustsim")
    _refused(tmp_path, kind="file", match="is a folder")
    ours = tmp_path / "old-report.html"
    ours.write_text('<html><head><meta charset="utf-8"><meta name="generator" content="trustsim 0.1.0 (abc)">')
    check_output_location(ours, kind="file")                # a report trustsim wrote may be replaced
    res = _results_folder(tmp_path / "res")
    (res / "report.pdf").write_bytes(b"%PDF-1.4")
    check_output_location(res / "report.pdf", kind="file")  # its own report in its results folder
    check_output_location(tmp_path / "new.html", kind="file")
    assert f.read_text() == "<html>my thesis</html>"


def test_an_unwritable_location_is_refused_even_as_root(tmp_path, monkeypatch):
    """Root ignores permission bits, so unwritability is simulated at the probe (mkstemp)."""
    import tempfile

    def read_only(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    _refused(tmp_path / "new", match="cannot write in its parent folder (permission denied)")
    (tmp_path / "empty").mkdir()
    _refused(tmp_path / "empty", match="cannot write in the folder (permission denied)")
    _refused(tmp_path / "a" / "b", match=f"cannot write in its folder {tmp_path}")


@pytest.mark.skipif(IS_ROOT, reason="root ignores permission bits (the monkeypatched test covers it)")
def test_read_only_parent_and_read_only_empty_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "empty").mkdir()
    (ro / "empty").chmod(0o555)
    ro.chmod(0o555)
    try:
        _refused(ro / "new", match="permission denied")
        _refused(ro / "empty", match="permission denied")
    finally:
        ro.chmod(0o755)
        (ro / "empty").chmod(0o755)


@pytest.mark.parametrize("out", ["/proc/trustsim-x", "FILE/sub"])
def test_run_refuses_a_bad_out_before_simulating(tmp_path, capsys, out):
    (tmp_path / "FILE").write_text("x")
    out = out.replace("FILE", str(tmp_path / "FILE"))
    t0 = time.process_time()
    status, lines, stdout = cli(["run", "--preset", "mixed", "--steps", "100000", "--out", out], capsys)
    assert status == 2 and len(lines) == 1 and "--out" in lines[0]
    assert time.process_time() - t0 < 60, "it simulated before refusing"


def test_report_refuses_to_overwrite_an_unrelated_file(tmp_path, capsys):
    res = tmp_path / "res"
    assert cli(["run", "--preset", "mixed", "--steps", "2", "--set", "width=10", "--set", "height=10",
                "--set", "vision=3", "--set", "officer_vision=3", "--set", "response_radius=4", "--out", res],
               capsys)[0] == 0
    f = tmp_path / "thesis.html"
    f.write_text("my thesis")
    status, lines, _ = cli(["report", res, "--out", f], capsys)
    assert status == 2 and len(lines) == 1 and f.read_text() == "my thesis"


# ================================================================== the CLI's endings
def test_user_errors_are_one_line_exit_2(tmp_path, capsys):
    status, lines, _ = cli(["run", "--preset", "no-such-preset", "--steps", "1", "--out", tmp_path / "o"], capsys)
    assert status == 2
    assert_one_line_errors(lines)
    status, lines, _ = cli(["run", "--bogus"], capsys)
    assert status == 2 and len(lines) == 1


def _break_run_command(monkeypatch, exc):
    import sim.commands.run as run_module

    def broken(args):
        raise exc

    monkeypatch.setattr(run_module, "run_command", broken)


def test_a_bug_is_one_line_with_the_debug_hint_exit_1(capsys, monkeypatch):
    monkeypatch.delenv("TRUSTSIM_DEBUG", raising=False)
    _break_run_command(monkeypatch, RuntimeError("something\nbroke"))
    status, lines, _ = cli(["run", "--preset", "mixed"], capsys)
    assert status == 1
    assert lines == ["trustsim: error: unexpected RuntimeError: something broke; "
                     "run with TRUSTSIM_DEBUG=1 for the traceback"]


def test_trustsim_debug_prints_the_traceback(capsys, monkeypatch):
    monkeypatch.setenv("TRUSTSIM_DEBUG", "1")
    _break_run_command(monkeypatch, KeyError("k"))
    status, lines, _ = cli(["run", "--preset", "mixed"], capsys)
    assert status == 1 and lines[0].startswith("Traceback") and "KeyError" in lines[-1]


def test_error_lines_escape_control_and_bidi_characters(capsys, monkeypatch):
    _break_run_command(monkeypatch, UserError("file evil\u202etxt.toml\x1b[31m: bad"))
    status, lines, _ = cli(["run", "--preset", "mixed"], capsys)
    assert status == 2 and lines == ["trustsim: error: file evil\\u202etxt.toml\\u001b[31m: bad"]


def test_ctrl_c_in_process_is_one_line_exit_130(capsys, monkeypatch):
    _break_run_command(monkeypatch, KeyboardInterrupt())
    status, lines, _ = cli(["run", "--preset", "mixed"], capsys)
    assert status == 130 and lines == ["trustsim: interrupted"]


def test_sigterm_in_process_takes_the_ctrl_c_path_exit_143(capsys, monkeypatch):
    def terminate(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        raise AssertionError("SIGTERM did not interrupt")

    import sim.commands.run as run_module

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(run_module, "run_command", terminate)
    status, lines, _ = cli(["run", "--preset", "mixed"], capsys)
    assert status == 143 and len(lines) == 1 and "terminated" in lines[0]
    assert signal.getsignal(signal.SIGTERM) is before      # restored


SOAK_SWEEP = """
name = "term"
steps = 3
replicates = 40
seed = 3
[base.params]
width = 10
height = 10
vision = 2
officer_vision = 2
response_radius = 3
[[policies]]
name = "reactive"
preset = "reactive"
[parameters]
trust_step = { range = [0.05, 0.5], levels = 5 }
[design]
kind = "grid"
"""


def test_sigterm_of_a_sweep_saves_its_runs_says_so_and_exits_143(tmp_path):
    sweep, out = tmp_path / "term.toml", tmp_path / "out"
    sweep.write_text(SOAK_SWEEP)
    p = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(sweep), "--workers", "1", "--chunk", "1",
                          "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                         start_new_session=True)
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120 and p.poll() is None:
            if (out / "index.jsonl").is_file() and len((out / "index.jsonl").read_text().splitlines()) >= 3:
                break
            time.sleep(0.05)
        assert p.poll() is None, "the sweep ended before it could be terminated: make it longer"
        p.send_signal(signal.SIGTERM)
        status = p.wait(timeout=120)
        err = p.stderr.read()
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert status == 143, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "interrupted" in lines[0] and "run the same command again" in lines[0], lines
    assert len((out / "index.jsonl").read_text().splitlines()) >= 3


# ================================================================== fuzz: scenario and sweep files
# A valid, tiny document (3 steps at most, a 10x10 grid) is drawn near the real schema, then 0-2
# mutations are applied at random places: a value replaced by junk (any TOML value, nested), a
# key deleted, an unknown key added, a policy name repeated (or repeated in another case).
def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_value(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(d: dict) -> str:
    return "".join(f"{_toml_value(str(k))} = {_toml_value(v)}\n" for k, v in d.items())


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_int = st.one_of(st.integers(-10, 12), st.integers(10**6, 10**30), st.integers(-10**30, -10**6))
_scalar = st.one_of(st.booleans(), _int, _text, st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(["", "x.py", "mixed", "grid", "Reactive", "width", "\u202eevil"]))
_junk = st.recursive(_scalar, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                     st.dictionaries(_text, kids, max_size=3)), max_leaves=6)
_name = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True)
SMALL_GRID = {"width": 10, "height": 10, "vision": 2, "officer_vision": 2, "response_radius": 3,
              "influence_radius": 2, "contact_radius": 2, "witness_radius": 1}
SHARES = [{"officers": 1.0}, {"officers": 0.8, "support": 0.2}, {"officers": 0.7, "welfare": 0.1, "awareness": 0.2}]
UNKNOWN_KEYS = ["polices", "step", "Name", "seeds", "params", "bogus", "widht", "rules"]


@st.composite
def _valid_scenario(draw):
    steps = draw(st.integers(1, 3))
    names = draw(st.lists(_name, min_size=1, max_size=3, unique_by=str.lower))
    policies = []
    for name in names:
        pol = {"name": name}
        if draw(st.booleans()):
            pol["preset"] = draw(st.sampled_from(list(POLICY_PRESETS)))
        elif draw(st.booleans()):
            pol["budget_shares"] = dict(draw(st.sampled_from(SHARES)))
        if draw(st.booleans()):
            pol["proximity_fraction"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
        if draw(st.booleans()):
            pol["params"] = {"trust_step": draw(st.floats(0.0, 2.0)), "negativity_bias": draw(st.floats(1.0, 14.0))}
        policies.append(pol)
    doc = {"name": draw(_name), "steps": steps, "replicates": draw(st.integers(1, 2)),
           "seed": draw(st.integers(0, 2**63 - 1)),
           "base": {"params": dict(SMALL_GRID)}, "policies": policies, "allow_unequal_budget": True}
    if draw(st.booleans()):
        doc["base"]["preset"] = draw(st.sampled_from(list(PRESETS)))
    if draw(st.booleans()):
        doc["window"] = draw(st.floats(0.01, 1.0))
    if draw(st.booleans()):
        doc["baseline"] = draw(st.sampled_from(names))
    if draw(st.booleans()):
        doc["description"] = draw(_text)
    if draw(st.booleans()):
        iv = {"step": draw(st.integers(1, steps))}
        iv[draw(st.sampled_from(["set", "policy", "shock"]))] = None
        iv["set"] = {"budget_per_cell": draw(st.floats(0.0, 0.5))} if "set" in iv else None
        iv["policy"] = draw(st.sampled_from(list(POLICY_PRESETS))) if "policy" in iv else None
        iv["shock"] = {"trust": draw(st.floats(-1.0, 1.0))} if "shock" in iv else None
        doc["interventions"] = [{k: v for k, v in iv.items() if v is not None}]
    return doc


@st.composite
def _valid_sweep(draw):
    doc = draw(_valid_scenario())
    doc.pop("base", None)
    doc["base"] = {"params": dict(SMALL_GRID)}
    factor = draw(st.sampled_from([
        {"trust_step": {"range": [0.05, 0.3], "levels": 2}},
        {"negativity_bias": {"values": [2.0, 6.0]}},
        {"report_trust_gain": [0.1, 0.3]},
        {"trust_step": {"range": [0.05, 0.3]}, "weight_report": [0.5, 1.0]},
    ]))
    for pol in doc["policies"]:                      # a swept parameter must not differ between policies
        for k in factor:
            pol.get("params", {}).pop(k, None)
    doc["parameters"] = factor
    doc["design"] = draw(st.sampled_from([{"kind": "grid", "levels": 2}, {"kind": "lhs", "samples": 2},
                                          {"kind": "grid", "levels": 2, "common_seeds": True}]))
    if draw(st.booleans()):
        doc["keep_timeseries"] = draw(st.booleans())
    return doc


def _places(node, path=()):
    """Every (path, container) where a value sits, for mutations."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*path, k)
            yield from _places(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*path, i)
            yield from _places(v, (*path, i))


def _tables(node, path=()):
    if isinstance(node, dict):
        yield path
        for k, v in node.items():
            yield from _tables(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _tables(v, (*path, i))


def _at(doc, path):
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def _mutated(draw, valid):
    import copy

    doc = copy.deepcopy(draw(valid))
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["junk", "junk", "delete", "unknown", "duplicate"]))
        places = list(_places(doc))
        if kind == "unknown":
            where = _at(doc, draw(st.sampled_from(list(_tables(doc)))))
            where[draw(st.sampled_from(UNKNOWN_KEYS))] = draw(_junk)
        elif kind == "duplicate" and doc.get("policies") and isinstance(doc["policies"], list) \
                and isinstance(doc["policies"][0], dict):
            copy_ = dict(doc["policies"][0])
            if isinstance(copy_.get("name"), str):
                copy_["name"] = draw(st.sampled_from([copy_["name"], copy_["name"].upper(), copy_["name"].lower()]))
            doc["policies"].append(copy_)
        elif places:
            path = draw(st.sampled_from(places))
            parent = _at(doc, path[:-1])
            if kind == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(_junk)
    return doc


FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
OUTCOMES: dict[str, list[int]] = {"run": [], "sweep": []}


def _check_fuzz_outcome(tmp_path, capsys, command, doc, ok_codes):
    work = tmp_path / f"case-{os.urandom(4).hex()}"
    work.mkdir()
    f = work / "fuzz.toml"
    f.write_text(to_toml(doc), encoding="utf-8")
    out = work / "out"
    status, lines, stdout = cli([command, f, "--workers", "1", "--out", out], capsys)
    OUTCOMES[command].append(status)
    written = sorted(p.name for p in work.iterdir() if p.name != "fuzz.toml")
    if status == 2:
        assert_one_line_errors(lines)
        assert written == [], f"refused but wrote {written}"
    else:
        assert status in ok_codes, (status, lines, to_toml(doc))
        assert out.is_dir() and (out / "manifest.json").is_file()
        assert not any(line.startswith("Traceback") for line in lines)


@FUZZ
@given(doc=_mutated(_valid_scenario()))
def test_fuzz_scenario_files_run_or_are_refused_in_one_line(tmp_path, capsys, doc):
    _check_fuzz_outcome(tmp_path, capsys, "run", doc, ok_codes=(0,))


@FUZZ
@given(doc=_mutated(_valid_sweep()))
def test_fuzz_sweep_files_run_or_are_refused_in_one_line(tmp_path, capsys, doc):
    _check_fuzz_outcome(tmp_path, capsys, "sweep", doc, ok_codes=(0, 1))


def test_the_fuzz_exercised_both_outcomes():
    """The generators are near the schema: some files run, some are refused (run after the fuzz tests)."""
    for command, seen in OUTCOMES.items():
        if seen:
            assert 0 in seen and 2 in seen, (command, seen)


def test_the_fuzz_toml_writer_round_trips():
    import tomllib

    doc = {"name": "a", "x": [1, 2.5, "s\n\"q\"\x7f", True, {"k.l": [float("inf")]}], "t": {"u": {}}}
    back = tomllib.loads(to_toml(doc))
    assert back["x"][4]["k.l"] == [float("inf")] and back["x"][2] == "s\n\"q\"\x7f" and back["t"] == {"u": {}}


def test_parameter_names_used_by_the_fuzz_are_real():
    from sim.core.params import Params

    assert set(SMALL_GRID) <= set(Params.names())
    assert {"polices", "widht"} & set(Params.names()) == set() and set(UNKNOWN_KEYS) - set(TOP_KEYS)
    assert limits.MAX_TOML_DEPTH == MAX_TOML_DEPTH


# ================================================================== workers die with their parent (case 9)
PARENT = """
import os, sys, time
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from sim.core.timelimit import exit_with_parent


def pid(_):
    time.sleep(0.2)
    return os.getpid()


if __name__ == "__main__":
    ex = ProcessPoolExecutor(2, mp_context=mp.get_context("forkserver"), initializer=exit_with_parent,
                             initargs=(os.getpid(), 0.2))
    print(" ".join(str(p) for p in sorted(set(ex.map(pid, range(6))))), flush=True)
    time.sleep(600)
"""


def _gone(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_pool_workers_exit_when_their_parent_is_killed_9(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                         start_new_session=True)
    try:
        workers = [int(x) for x in p.stdout.readline().split()]
        assert workers and all(not _gone(w) for w in workers)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(_gone(w) for w in workers):
            time.sleep(0.1)
        assert all(_gone(w) for w in workers), "workers outlived their killed parent"
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_exit_with_parent_tells_a_live_process_from_a_dead_or_reused_pid():
    from sim.core.timelimit import _start_time

    assert _start_time(os.getpid()) is not None and _start_time(os.getpid()) == _start_time(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert _start_time(child.pid) is None


# ================================================================== corrupt sweep parts (case 10)
def test_a_corrupt_part_is_set_aside_with_one_line_and_good_parts_are_read(tmp_path):
    import pandas as pd

    from sim.storage.guard import read_part_or_set_aside

    parts, ts = tmp_path / "parts", tmp_path / "timeseries"
    parts.mkdir()
    ts.mkdir()
    pd.DataFrame({"run": [0, 1], "status": ["ok", "ok"]}).to_parquet(parts / "part-good.parquet")
    (parts / "part-random.parquet").write_bytes(os.urandom(3000))
    (parts / "part-empty.parquet").write_bytes(b"")
    good = parts / "part-good.parquet"
    (parts / "part-truncated.parquet").write_bytes(good.read_bytes()[:-40])
    pd.DataFrame({"other": [1]}).to_parquet(parts / "part-nocolumn.parquet")
    (ts / "part-random.parquet").write_bytes(b"x")
    table, note = read_part_or_set_aside(good, columns=["run", "status"])
    assert note is None and table.column("run").to_pylist() == [0, 1]
    for name in ("part-random", "part-empty", "part-truncated", "part-nocolumn"):
        table, note = read_part_or_set_aside(parts / f"{name}.parquet", columns=["run", "status"],
                                             companions=[ts / f"{name}.parquet"])
        assert table is None and "\n" not in note, name
        assert note.startswith(f"parts/{name}.parquet: unreadable Parquet part (") and "will run again" in note
        assert not (parts / f"{name}.parquet").exists() and (parts / f"{name}.parquet.corrupt").exists()
    assert (ts / "part-random.parquet.corrupt").exists() and not (ts / "part-random.parquet").exists()
    assert sorted(p.name for p in parts.glob("part-*.parquet")) == ["part-good.parquet"]   # never read again


# ================================================================== text shown to users (case 16)
def test_safe_text_escapes_bidi_and_control_characters():
    from sim.errors import has_unsafe_text, safe_text

    spoof = "budget\u202e\u2066 cut\u2069\u202c\u200f\u061c\x1b[2J"
    shown = safe_text(spoof)
    assert shown == "budget\\u202e\\u2066 cut\\u2069\\u202c\\u200f\\u061c\\u001b[2J"
    assert not has_unsafe_text(shown) and has_unsafe_text(spoof)
    assert safe_text("a\nb\tc", keep_newlines=True) == "a\nb\tc" and safe_text("a\nb") == "a\\u000ab"
    assert safe_text("Grüße, 信任, émigré") == "Grüße, 信任, émigré"


def test_case_clashes_of_policy_names():
    from sim.scenario.limits import case_clashes

    assert case_clashes(["Mixed", "reactive", "mixed", "MIXED", "Straße", "STRASSE", 3]) == [(0, 2), (0, 3), (4, 5)]
    assert case_clashes(["a", "b"]) == []


@pytest.mark.parametrize("path", ["a\x00b", "", "x" * 5000, "/tmp/" + "a/" * 3000])
def test_odd_paths_are_one_line_errors_not_crashes(path):
    for check in (lambda p: check_output_location(p), lambda p: read_toml_bounded(p, "scenario")):
        with pytest.raises(UserError) as err:
            check(path)
        assert len(err.value.problems) == 1 and "\n" not in err.value.problems[0]


# ================================================================== wired into the commands
TINY_SWEEP = """
name = "tiny"
steps = 3
replicates = 1
seed = 5
{top}
[base.params]
width = 10
height = 10
vision = 2
officer_vision = 2
response_radius = 3
[[policies]]
name = "reactive"
preset = "reactive"
[parameters]
trust_step = [0.1, 0.2]
"""
RAISING_RULE = """
from sim.core.plugins import rule

@rule
def trust_after_memory(trust, baseline, p):     # called every step
    return trust * float("nan")
"""
LOOPING_RULE = """
from sim.core.plugins import rule

@rule
def trust_after_memory(trust, baseline, p):
    while True:
        pass
"""


def _sweep_file(tmp_path, top="", rules=None, name="s.toml") -> Path:
    if rules is not None:
        (tmp_path / "my_rules.py").write_text(rules)
        top = f'rules = "my_rules.py"\n{top}'
    f = tmp_path / name
    f.write_text(TINY_SWEEP.format(top=top))
    return f


def _scenario_file(tmp_path, top="", rules=None) -> Path:
    f = _sweep_file(tmp_path, top=top, rules=rules, name="scenario.toml")
    f.write_text(f.read_text().split("[parameters]")[0])
    return f


@pytest.mark.parametrize("command", ["sweep", "sensitivity", "compare", "validate"])
@pytest.mark.parametrize("out", ["/proc/trustsim-x", "FILE/sub"])
def test_every_writing_command_refuses_a_bad_out_before_running(tmp_path, capsys, monkeypatch, command, out):
    import sim.run.single

    def no_run(*a, **k):
        raise AssertionError("a simulation ran before the output location was checked")

    monkeypatch.setattr(sim.run.single, "run_model", no_run)
    (tmp_path / "FILE").write_text("x")
    out = out.replace("FILE", str(tmp_path / "FILE"))
    f = _sweep_file(tmp_path)
    argv = {"sweep": ["sweep", f, "--workers", "1"], "sensitivity": ["sensitivity", f, "--method", "morris",
                                                                       "--n", "2", "--workers", "1"],
            "compare": ["compare", _scenario_file(tmp_path), "--workers", "1"], "validate": ["validate", "--quick", "--workers", "1"]}[command]
    status, lines, _ = cli([*argv, "--out", out], capsys)
    assert status == 2 and len(lines) == 1 and lines[0].startswith(f"trustsim: error: --out {out}: "), lines
    assert (tmp_path / "FILE").read_text() == "x"


@pytest.mark.parametrize("command", ["compare", "sweep", "run"])
def test_the_default_output_folder_is_checked_before_running_too(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    Path("results").write_text("not a folder")             # the default results/<name>... is unusable
    f = _sweep_file(tmp_path)
    argv = {"compare": ["compare", _scenario_file(tmp_path)], "sweep": ["sweep", f], "run": ["run", "--preset", "mixed", "--steps", "1"]}
    status, lines, _ = cli([*argv[command], "--workers", "1"] if command != "run" else argv[command], capsys)
    assert status == 2 and len(lines) == 1 and "is a file, not a folder" in lines[0], lines
    assert Path("results").read_text() == "not a folder"


def test_sensitivity_refuses_an_unknown_measure_before_any_run(tmp_path, capsys):
    """Issue 15, case 11: nothing runs, nothing is written."""
    f = _sweep_file(tmp_path)
    out = tmp_path / "sens"
    status, lines, _ = cli(["sensitivity", f, "--method", "morris", "--n", "2", "--measures", "trust_mean,bogus",
                            "--workers", "1", "--out", out], capsys)
    assert status == 2 and len(lines) == 1
    assert lines[0].startswith("trustsim: error: --measures: unknown bogus; expected some of trust_mean,")
    assert not out.exists()


def test_policy_names_differing_only_in_case_are_refused(tmp_path, capsys):
    from sim.scenario.files import load_scenario

    doc = {"name": "x", "steps": 2, "replicates": 1, "seed": 1,
           "policies": [{"name": "Mixed", "preset": "mixed"}, {"name": "reactive"}, {"name": "mixed"}]}
    with pytest.raises(UserError) as err:
        load_scenario(doc)
    assert err.value.problems == ["<scenario>: policies[2].name: expected a policy name unique without regard to "
                                  "case, got 'mixed' (policies[0] is 'Mixed')"]


def test_time_limit_is_a_scenario_and_sweep_key_carried_to_every_run(tmp_path):
    from sim.run.experiment import specs_for
    from sim.run.sweep import load_sweep, task_of
    from sim.scenario.files import load_scenario

    doc = {"name": "x", "steps": 2, "replicates": 2, "seed": 1, "time_limit": 90, "policies": [{"name": "a"}]}
    assert {s.time_limit for s in specs_for(load_scenario(doc))} == {90.0}
    sw = load_sweep(_sweep_file(tmp_path, top="time_limit = 12.5"))
    assert task_of(sw, 1).spec.time_limit == 12.5
    assert load_sweep(_sweep_file(tmp_path, top="time_limit = 99", name="t.toml")).sha256 == sw.sha256  # not a result
    for bad in (0, -1, "10", True):
        with pytest.raises(UserError) as err:
            load_scenario({**doc, "time_limit": bad})
        assert err.value.problems == [f"<scenario>: time_limit: expected a number of seconds > 0, got {bad!r}"]


def test_the_default_time_limit_applies_when_the_scenario_sets_none(monkeypatch):
    import sim.run.single as single
    from sim.core.timelimit import DEFAULT_TIME_LIMIT

    seen = []
    real = single.run_time_limit

    def spy(seconds):
        seen.append(seconds)
        return real(seconds)

    monkeypatch.setattr(single, "run_time_limit", spy)
    single.run_model(single.RunSpec(seed=1, steps=1, preset="mixed", overrides=dict(width=10, height=10, vision=2,
                                                                                    officer_vision=2,
                                                                                    response_radius=3)))
    single.run_model(single.RunSpec(seed=1, steps=1, preset="mixed", time_limit=7, overrides=dict(
        width=10, height=10, vision=2, officer_vision=2, response_radius=3)))
    assert seen == [DEFAULT_TIME_LIMIT, 7] and DEFAULT_TIME_LIMIT >= 600


POINT_RAISING_RULE = """
from sim.core.plugins import rule

@rule
def trust_after_memory(trust, baseline, p):     # fails at the second design point only
    return trust * float("nan") if p.trust_step > 0.15 else trust
"""
POINT_LOOPING_RULE = """
from sim.core.plugins import rule

@rule
def trust_after_memory(trust, baseline, p):     # loops at the second design point only
    while p.trust_step > 0.15:
        pass
    return trust
"""


def test_a_sweep_records_a_failing_plugin_and_a_run_past_its_time_limit_per_run(tmp_path, capsys):
    """Issue 15, cases 12-14 in sweeps: a plug-in that fails at some design points only passes the
    test run before the sweep, then its failing runs are recorded, one line each; the sweep goes on."""
    import pandas as pd

    cases = {"nan": (POINT_RAISING_RULE, "", "UserError: my_rules.py: rule trust_after_memory at step 1: returned NaN"),
             "loop": (POINT_LOOPING_RULE, "time_limit = 0.5",
                      "TimeLimitExceeded: run exceeded its time limit of 0.5 s (set time_limit in the scenario)")}
    for name, (rules, top, start) in cases.items():
        work = tmp_path / name
        work.mkdir()
        status, lines, _ = cli(["sweep", _sweep_file(work, top=top, rules=rules), "--workers", "1",
                                "--out", work / "out"], capsys)
        assert status == 1, lines
        runs = pd.read_parquet(work / "out" / "runs.parquet")
        assert runs["status"].tolist() == ["ok", "failed"]
        error = runs["error"].iloc[1]
        assert error.startswith(start) and "\n" not in error, error


def test_a_sweep_refuses_a_plugin_that_fails_its_test_run_before_any_run(tmp_path, capsys):
    """A plug-in failing everywhere is one line before the sweep starts (no run, no folder)."""
    for name, rules, top, needle in (("nan", RAISING_RULE, "", "returned NaN"),
                                     ("loop", LOOPING_RULE, "time_limit = 0.5", "run exceeded its time limit of 0.5 s")):
        work = tmp_path / name
        work.mkdir()
        status, lines, _ = cli(["sweep", _sweep_file(work, top=top, rules=rules), "--workers", "1",
                                "--out", work / "out"], capsys)
        assert status == 2 and len(lines) == 1 and needle in lines[0], lines
        assert not (work / "out").exists()


def test_run_with_a_failing_or_looping_plugin_is_one_line_exit_2(tmp_path, capsys):
    for name, rules, top, needle in (("nan", RAISING_RULE, "", "returned NaN"),
                                     ("loop", LOOPING_RULE, "time_limit = 0.5", "run exceeded its time limit of 0.5 s")):
        work = tmp_path / name
        work.mkdir()
        f = _scenario_file(work, top=top, rules=rules)
        status, lines, _ = cli(["run", f, "--workers", "1", "--out", work / "out"], capsys)
        assert status == 2 and len(lines) == 1 and needle in lines[0], lines
        assert not (work / "out").exists()


def test_a_corrupt_part_is_set_aside_on_resume_and_its_runs_redone(tmp_path, capsys):
    """Issue 15, case 10, through the sweep command."""
    import pandas as pd

    f = _sweep_file(tmp_path)
    out = tmp_path / "out"
    assert cli(["sweep", f, "--workers", "1", "--chunk", "1", "--out", out], capsys)[0] == 0
    first = pd.read_parquet(out / "runs.parquet")
    part = sorted((out / "parts").glob("part-*.parquet"))[0]
    part.write_bytes(b"garbage")
    (out / "runs.parquet").unlink()
    status, lines, stdout = cli(["sweep", f, "--workers", "1", "--chunk", "1", "--out", out], capsys)
    assert status == 0, lines
    warning = [line for line in lines if "unreadable Parquet part" in line]
    assert len(warning) == 1 and warning[0].startswith(f"trustsim: WARNING: parts/{part.name}: ")
    assert (out / "parts" / f"{part.name}.corrupt").exists()
    again = pd.read_parquet(out / "runs.parquet")
    keep = ["run", "point", "policy", "replicate", "seed", "status", "trust_mean"]
    pd.testing.assert_frame_equal(again[keep], first[keep])
    assert json.loads((out / "manifest.json").read_text())["sessions"][-1]["ran"] == 1


def test_process_pool_workers_are_started_to_exit_with_their_parent():
    from sim.core.timelimit import exit_with_parent
    from sim.run.evaluators import ProcessPoolEvaluator

    ev = ProcessPoolEvaluator(1)
    try:
        pool = ev._executor()
        assert pool._initializer is exit_with_parent and pool._initargs == (os.getpid(),)
        assert [r for _, r in ev.map_unordered(abs, [-3])] == [3]
    finally:
        ev.close()


@pytest.mark.parametrize("damage", ["random", "empty", "index"])
def test_validate_reuse_of_a_corrupt_folder_is_one_line(tmp_path, capsys, damage):
    """Issue 15, case 7 for ``validate --reuse``: refused in one line before anything runs."""
    old = tmp_path / "old"
    old.mkdir()
    (old / "runs.json").write_text('[{"preset": "mixed"}]' if damage == "index" else "[]")
    (old / "runs.npz").write_bytes(os.urandom(500) if damage == "random" else b"")
    if damage == "index":
        import numpy as np

        np.savez(old / "runs.npz", x=np.zeros(2))
    status, lines, _ = cli(["validate", "--quick", "--workers", "1", "--reuse", old, "--out", tmp_path / "new"], capsys)
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"trustsim: error: --reuse {old}: runs.json and runs.npz cannot be read")
    assert not (tmp_path / "new").exists()


def test_calibrate_refuses_a_bad_out_before_running_and_accepts_its_own_folder_to_resume(tmp_path, capsys):
    from sim.storage.provenance import provenance

    (tmp_path / "FILE").write_text("x")
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "cat.jpg").write_text("meow")
    for out, needle in (("/proc/trustsim-x", "kernel interface"), (tmp_path / "FILE" / "sub", "is a file"),
                        (photos, "not a trustsim results folder")):
        status, lines, _ = cli(["calibrate", "--quick", "--workers", "1", "--out", out], capsys)
        assert status == 2 and len(lines) == 1 and lines[0].startswith(f"trustsim: error: --out {out}: "), lines
        assert needle in lines[0]
    own = tmp_path / "calibration"
    own.mkdir()
    (own / "manifest.json").write_text(json.dumps({"config": {}, "created": provenance(), "status": "running"}))
    assert is_results_folder(own)
    check_output_location(own)
