"""Rule plug-ins (sim.core.plugins): loading and checking a file of rule overrides and hooks, and
their effect on runs. Small grids and few steps: the whole file runs in seconds."""

import hashlib
import inspect
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core import rules as default_rules
from sim.core.model import TrustModel
from sim.core.plugins import HOOK_POINTS, Plugin, load_plugin, rule_signature
from sim.errors import UserError
from sim.run.single import check_plugin

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "experiments" / "students" / "quiet_contacts.py"
SMALL = dict(width=24, height=24)


def write(tmp_path, text, name="my_rules.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def run(plugin: Plugin | None = None, preset="proximity", seed=1, steps=30) -> pd.DataFrame:
    return TrustModel(preset=preset, rng=seed, rules=plugin.rules if plugin else None,
                      hooks=plugin.hooks if plugin else None, **SMALL).run(steps).results


def late_mean(df, column="trust_mean"):
    return df.loc[df.step >= df.step.max() // 2, column].mean()


def problems_of(path) -> list[str]:
    with pytest.raises(UserError) as err:
        load_plugin(path)
    return err.value.problems


# ------------------------------------------------------------------ loading
def test_load_plugin_gives_rules_hooks_resolved_path_and_hash(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import hook, rule

        @rule
        def grievance(hardship, legitimacy):
            return hardship * (1.0 - legitimacy)

        @hook("step_end")
        def first(model):
            pass

        @hook("step_end")
        def second(model):
            pass

        @hook
        def step_start(model):
            pass

        def helper(x):            # not marked: ignored
            return x
        """)
    plugin = load_plugin(path)
    assert set(plugin.rules) == {"grievance"} and plugin.rules["grievance"].__name__ == "grievance"
    assert {k: [f.__name__ for f in v] for k, v in plugin.hooks.items()} == {"step_end": ["first", "second"],
                                                                            "step_start": ["step_start"]}
    assert plugin.path == str(path.resolve()) and Path(plugin.path).is_absolute()
    assert plugin.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert plugin.to_dict()["sha256"] == plugin.sha256 and plugin.to_dict()["rules"] == ["grievance"]
    assert "grievance" in plugin.describe() and "first at step_end" in plugin.describe()


def test_a_rule_may_add_parameters_with_defaults_and_be_named_explicitly(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import rule

        @rule("grievance")
        def my_grievance(hardship, legitimacy, scale=1.0):
            return scale * hardship * (1.0 - legitimacy)
        """)
    assert list(load_plugin(path).rules) == ["grievance"]


# ------------------------------------------------------------------ effect on runs
def test_reimplementing_every_default_rule_leaves_results_identical(tmp_path):
    """A plug-in with fresh copies of all the default rules (their source, re-executed) and
    do-nothing hooks at every point gives exactly the default model's results."""
    import ast

    source = Path(default_rules.__file__).read_text()
    imports = [ast.get_source_segment(source, node) for node in ast.parse(source).body   # as sim/rules.py has them
               if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "module", None) != "__future__"]
    parts = [*imports, "from sim.core.plugins import hook, rule", ""]
    for name in default_rules.RULE_NAMES:
        parts += ["@rule", textwrap.dedent(inspect.getsource(getattr(default_rules, name))), ""]
    for point in HOOK_POINTS:
        parts += [f"@hook({point!r})", f"def nothing_at_{point}(model):", "    pass", ""]
    plugin = load_plugin(write(tmp_path, "\n".join(parts), "copy_of_rules.py"))
    assert set(plugin.rules) == set(default_rules.RULE_NAMES)
    assert all(plugin.rules[n] is not getattr(default_rules, n) for n in default_rules.RULE_NAMES)
    assert set(plugin.hooks) == set(HOOK_POINTS)
    for preset in ("mixed", "epstein-run1"):
        pd.testing.assert_frame_equal(run(plugin, preset=preset, steps=25), run(None, preset=preset, steps=25))


def test_worked_example_raises_trust_where_proximity_officers_make_contacts():
    plugin = load_plugin(EXAMPLE)
    assert list(plugin.rules) == ["trust_after_experiences"]
    for seed in (1, 2):   # paired: same seed, same citizens, with and without the plug-in
        base, changed = run(None, seed=seed), run(plugin, seed=seed)
        assert late_mean(changed) > late_mean(base) + 0.005, seed


def test_harsher_officers_lower_trust(tmp_path):
    plugin = load_plugin(write(tmp_path, """
        from sim.core import rules as default
        from sim.core.plugins import rule

        @rule
        def officer_quality(stress, p):
            return 0.5 * default.officer_quality(stress, p)
        """))
    base, changed = run(None), run(plugin)
    assert late_mean(changed) < late_mean(base) - 0.01


def test_hooks_run_at_their_point_every_step_in_file_order(tmp_path):
    plugin = load_plugin(write(tmp_path, """
        from sim.core.plugins import hook

        CALLS = []

        @hook("step_start")
        def full_trust(model):
            CALLS.append(("step_start", model.steps))
            model.citizens.trust[:] = 1.0

        @hook("step_end")
        def a(model):
            CALLS.append(("a", model.steps))

        @hook("step_end")
        def b(model):
            CALLS.append(("b", model.steps))
        """))
    df = run(plugin, steps=4)
    calls = plugin.module.CALLS
    assert [c for c in calls if c[0] != "step_start"] == [(n, s) for s in range(1, 5) for n in ("a", "b")]
    assert [c[1] for c in calls if c[0] == "step_start"] == [1, 2, 3, 4]   # model.steps: the step being run
    assert (df.trust_mean[1:] > run(None, steps=4).trust_mean[1:]).all()


def test_plugin_pickles_as_path_and_hash_and_refuses_a_changed_file(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import rule

        @rule
        def grievance(hardship, legitimacy):
            return 0.5 * hardship * (1.0 - legitimacy)
        """)
    plugin = load_plugin(path)
    again = pickle.loads(pickle.dumps(plugin))
    assert again.sha256 == plugin.sha256 and again.rules["grievance"](np.array([1.0]), np.array([0.0]))[0] == 0.5
    data = pickle.dumps(plugin)
    path.write_text(path.read_text() + "\n# edited\n")
    with pytest.raises(UserError, match="changed"):
        pickle.loads(data)


# ------------------------------------------------------------------ mistakes: one line each, naming the rule
@pytest.mark.parametrize("source, needles", [
    ("""
     from sim.core.plugins import rule

     @rule
     def trust_after_experience(trust, good, bad, p):
         return trust
     """, ["line 3", "trust_after_experience: unknown rule", "did you mean trust_after_experiences"]),
    ("""
     from sim.core.plugins import rule

     @rule
     def trust_after_experiences(trust, good, p):
         return trust
     """, ["line 3", "rule trust_after_experiences: expected the signature "
           "trust_after_experiences(trust, good, bad, p)", "got trust_after_experiences(trust, good, p)"]),
    ("""
     from sim.core.plugins import rule

     @rule
     def grievance(h, legitimacy):
         return h
     """, ["rule grievance: expected the signature grievance(hardship, legitimacy)"]),
    ("""
     from sim.core.plugins import rule

     @rule
     def grievance(legitimacy, hardship):
         return hardship
     """, ["expected the signature grievance(hardship, legitimacy)"]),
    ("""
     from sim.core.plugins import hook

     @hook("step_ned")
     def log(model):
         pass
     """, ["step_ned: unknown hook point", "did you mean step_end", "hook points are step_start"]),
    ("""
     from sim.core.plugins import hook

     @hook("step_end")
     def log(model, extra):
         pass
     """, ["hook log at step_end: expected a function of one argument, log(model)"]),
    ("""
     from sim.core.plugins import rule

     @rule
     def grievance(hardship, legitimacy):
         return hardship

     @rule
     def grievance(hardship, legitimacy):
         return legitimacy
     """, ["line 7", "rule grievance is replaced twice (also at line 3)"]),
    ("""
     import numpy as np

     def grievance(hardship, legitimacy):
         return hardship
     """, ["defines no rule or hook", "@rule"]),
    ("""
     from sim.core.plugins import rule

     @rule
     def grievance(hardship, legitimacy)
         return hardship
     """, ["line 4: SyntaxError"]),
    ("""
     from sim.core.plugins import rule

     SCALE = undefined_name
     """, ["line 3: the plug-in failed while loading: NameError", "undefined_name"]),
])
def test_mistakes_give_one_line_errors_naming_file_rule_and_expectation(tmp_path, source, needles):
    path = write(tmp_path, source)
    problems = problems_of(path)
    assert len(problems) == 1, problems
    assert "\n" not in problems[0]
    assert problems[0].startswith(str(path))
    for needle in needles:
        assert needle in problems[0]


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import hook, rule

        @rule
        def grievence(hardship, legitimacy):
            return hardship

        @rule
        def becomes_active(grievance, risk_aversion, arrest_prob):
            return grievance > 0

        @hook("end")
        def log(model):
            pass
        """)
    problems = problems_of(path)
    assert len(problems) == 3
    assert "did you mean grievance" in problems[0]
    assert rule_signature("becomes_active") in problems[1]
    assert "end: unknown hook point" in problems[2]


def test_missing_file_and_wrong_kind_of_file(tmp_path):
    assert "plug-in file not found" in problems_of(tmp_path / "nope.py")[0]
    (tmp_path / "rules.txt").write_text("x = 1\n")
    assert "expected a Python file ending in .py" in problems_of(tmp_path / "rules.txt")[0]


def test_rule_signatures_are_those_of_sim_rules():
    for name in default_rules.RULE_NAMES:
        params = ", ".join(inspect.signature(getattr(default_rules, name)).parameters)
        assert rule_signature(name) == f"{name}({params})"


def test_check_plugin_reports_a_failing_rule_at_its_line(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import rule

        @rule
        def grievance(hardship, legitimacy):
            return hardship + legitimacy[:2]      # wrong shape: fails
        """)
    plugin = load_plugin(path)
    with pytest.raises(UserError) as err:
        check_plugin(plugin)
    line = err.value.problems[0]
    assert line.startswith("my_rules.py line 5 (in grievance)") and "ValueError" in line and "\n" not in line


def test_app_command_rejects_a_bad_plugin_in_one_line_before_starting(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import rule

        @rule
        def trust_after_experiences(trust, good, p):
            return trust
        """)
    res = subprocess.run([sys.executable, "-m", "sim.cli", "app", "--rules", str(path), "--port", "1"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trustsim: error: ")
    assert "trust_after_experiences(trust, good, bad, p)" in lines[0]
    assert "Traceback" not in res.stderr and "Solara server" not in res.stdout


# ------------------------------------------------------------------ scenario files (sim.scenario.files, sim.run.experiment)
SCENARIO = """
name = "plugin-e2e"
rules = "{rules}"
steps = 6
replicates = 2
seed = 3
[base.params]
width = 24
height = 24
[[policies]]
name = "reactive"
preset = "reactive"
[[policies]]
name = "proximity"
preset = "proximity"
"""


def test_a_scenario_with_a_plugin_runs_it_and_its_manifest_records_path_and_hash(tmp_path, capsys):
    import importlib.util
    import json

    import sim

    (tmp_path / "rules").mkdir()
    plugin_file = write(tmp_path / "rules", """
        import numpy as np
        from sim.core.plugins import rule

        @rule
        def grievance(hardship, legitimacy):      # nobody has a grievance: tension is 0
            return np.zeros_like(hardship)
        """, "calm.py")
    scenario = tmp_path / "calm.toml"
    scenario.write_text(SCENARIO.format(rules="rules/calm.py"))   # relative to the scenario file
    res = sim.run_scenario(scenario, workers=1, progress=False)
    assert (res.timeseries.tension == 0).all() and (res.timeseries.active_fraction == 0).all()
    out = res.save(tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text())
    digest = hashlib.sha256(plugin_file.read_bytes()).hexdigest()
    assert manifest["plugin"]["path"] == str(plugin_file.resolve())
    assert manifest["plugin"]["sha256"] == digest and manifest["plugin"]["rules"] == ["grievance"]
    assert manifest["resolved"]["rules"] == {"path": str(plugin_file.resolve()), "sha256": digest}
    plain = tmp_path / "plain.toml"
    plain.write_text(SCENARIO.format(rules="x.py").replace('rules = "x.py"\n', ""))
    original = sim.run_scenario(plain, workers=1, progress=False)
    assert (original.timeseries.tension > 0).all()
    # the students' script: changed minus original, per policy, paired by replicate
    spec = importlib.util.spec_from_file_location("compare_models", ROOT / "experiments/students/compare_models.py")
    compare_models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare_models)
    diff = compare_models.differences(original, res).set_index(["policy", "measure"])["diff"]
    assert (diff.xs("tension", level="measure") < 0).all()        # changed - original, each policy
    capsys.readouterr()
    assert compare_models.main([str(original.save(tmp_path / "original")), str(out)]) == 0
    printed = capsys.readouterr().out
    assert "calm.py" in printed and "proximity" in printed


def test_a_scenario_with_a_broken_plugin_fails_with_the_plugin_error(tmp_path):
    import sim

    write(tmp_path, """
        from sim.core.plugins import rule

        @rule
        def grievance(hardship):
            return hardship
        """, "broken.py")
    scenario = tmp_path / "broken.toml"
    scenario.write_text(SCENARIO.format(rules="broken.py"))
    with pytest.raises(UserError, match=r"expected the signature grievance\(hardship, legitimacy\)"):
        sim.run_scenario(scenario, workers=1, progress=False)


@pytest.mark.parametrize("name", ["quiet-contacts.toml", "original.toml"])
def test_the_students_scenario_files_are_valid_and_differ_only_in_the_plugin(name):
    from sim.scenario.files import load_scenario

    s = load_scenario(ROOT / "experiments" / "students" / name)
    other = load_scenario(ROOT / "experiments" / "students" / "original.toml")
    assert (s.rules == str(EXAMPLE.resolve())) == (name == "quiet-contacts.toml")
    assert (s.steps, s.replicates, s.seed, s.policies) == (other.steps, other.replicates, other.seed, other.policies)


def test_the_students_guide_lists_every_rule_with_its_signature_and_every_hook_point():
    guide = (ROOT / "docs" / "students.md").read_text()
    for name in default_rules.RULE_NAMES:
        assert f"`{rule_signature(name)}`" in guide, name
    for point in HOOK_POINTS:
        assert f"`{point}`" in guide, point


# ------------------------------------------------------------------ checked rule outputs (sim.core.plugins.guard_model)


def guarded(plugin_or_rules=None, hooks=None, preset="mixed", seed=1):
    """A small model whose rules and hooks are replaced after it was built, then guarded again
    (as TrustModel.__init__ guards what it is given; guard_model is idempotent)."""
    from sim.core.plugins import guard_model

    rules = getattr(plugin_or_rules, "rules", plugin_or_rules) or {}
    hooks = getattr(plugin_or_rules, "hooks", None) or hooks or {}
    m = TrustModel(preset=preset, rng=seed, **SMALL)
    for name, fn in rules.items():
        setattr(m.rules, name, fn)
    for point, fns in hooks.items():
        m.hooks[point] = list(fns)
    guard_model(m)
    return m


BAD_OUTPUTS = [
    ("report_probability", "trust, p", "return trust * 43.7", "values outside [0, 1]"),
    ("report_probability", "trust, p", "return 0.5", "returned a scalar 0.5"),
    ("report_probability", "trust, p", "return None", "returned None"),
    ("report_probability", "trust, p", "return trust[:-1]", "expected shape"),
    ("report_probability", "trust, p", "return np.stack([trust, trust])", "expected shape"),
    ("trust_after_memory", "trust, baseline, p", "return trust * np.nan", "returned NaN"),
    ("trust_after_memory", "trust, baseline, p", "return trust + np.inf", "returned inf"),
    ("trust_after_memory", "trust, baseline, p", "return (trust > 2).astype(int)", "expected floating-point"),
    ("trust_after_memory", "trust, baseline, p", "return trust.astype(str)", "expected floating-point"),
    ("becomes_active", "grievance, risk_aversion, arrest_prob, threshold",
     "return (grievance - risk_aversion * arrest_prob > threshold).astype(float)", "expected booleans"),
    ("jail_terms", "rng, n, p", "return np.full(n, 2.5)", "expected integers >= 0"),
    ("jail_terms", "rng, n, p", "return np.full(n, -1)", "negative"),
    ("grievance", "hardship, legitimacy", "raise RuntimeError('boom')", "RuntimeError: boom"),
    ("awareness_after_step", "level, reach, p", "return np.array([level, level])", "expected a single number"),
    ("effective_threshold", "awareness, p", "return float('nan')", "returned NaN"),
]


@pytest.mark.parametrize("name, params, body, needle", BAD_OUTPUTS, ids=[f"{r[0]}:{r[3]}" for r in BAD_OUTPUTS])
def test_a_bad_rule_output_is_one_line_naming_file_rule_step_and_problem(tmp_path, name, params, body, needle):
    path = write(tmp_path, f"""
        import numpy as np
        from sim.core.plugins import rule

        @rule
        def {name}({params}):
            {body}
        """)
    plugin = load_plugin(path)
    with pytest.raises(UserError) as err:
        m = guarded(plugin, preset="social-support")    # awareness and support in play
        m.run(5)
    (line,) = err.value.problems
    assert line.startswith("my_rules.py") and f"rule {name} at " in line and needle in line, line
    assert "\n" not in line
    if "raise" in body:
        assert line.startswith("my_rules.py line 6 (in grievance)")


def test_a_failing_hook_is_one_line(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import hook

        @hook("step_end")
        def note(model):
            return {}["missing"]
        """)
    m = guarded(load_plugin(path))
    with pytest.raises(UserError) as err:
        m.run(2)
    assert err.value.problems == ["my_rules.py line 5 (in note): hook note at step_end at step 1: KeyError: 'missing'"]


def test_after_a_failed_step_the_model_refuses_to_step_again():
    fail = []

    def grievance(hardship, legitimacy):
        if fail:
            raise ValueError("late failure")
        return hardship * (1.0 - legitimacy)

    m = guarded({"grievance": grievance})
    m.run(1)
    fail.append(True)
    with pytest.raises(UserError, match="late failure"):
        m.run(3)
    steps, rows = m.steps, len(m._rows)
    for _ in range(2):
        with pytest.raises(UserError, match=r"^the model cannot step again: step \d+ failed \(UserError: "):
            m.step()
    assert (m.steps, len(m._rows)) == (steps, rows)


def test_default_rules_are_not_wrapped_and_good_plugins_pass_unchanged(tmp_path):
    m = guarded()
    assert all(getattr(m.rules, n) is getattr(default_rules, n) for n in default_rules.RULE_NAMES)
    import ast

    source = Path(default_rules.__file__).read_text()
    imports = [ast.get_source_segment(source, node) for node in ast.parse(source).body
               if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "module", None) != "__future__"]
    parts = [*imports, "from sim.core.plugins import rule", ""]
    for name in default_rules.RULE_NAMES:
        parts += ["@rule", textwrap.dedent(inspect.getsource(getattr(default_rules, name))), ""]
    plugin = load_plugin(write(tmp_path, "\n".join(parts), "copy_of_rules.py"))
    for preset in ("mixed", "social-support", "epstein-run1"):
        checked = guarded(plugin, preset=preset)
        assert all(type(getattr(checked.rules, n)).__name__ == "_CheckedRule" for n in default_rules.RULE_NAMES)
        pd.testing.assert_frame_equal(checked.run(20).results, guarded(preset=preset).run(20).results)


def test_every_rule_declares_what_it_returns():
    from sim.core.plugins import RULE_OUTPUTS

    missing = [n for n in default_rules.RULE_NAMES if n not in RULE_OUTPUTS]
    assert not missing, f"add these rules to sim.core.plugins.RULE_OUTPUTS: {missing}"
    for name, (shape_from, _kind) in RULE_OUTPUTS.items():
        if name in default_rules.RULE_NAMES and shape_from != "n":
            assert set(shape_from) <= set(inspect.signature(getattr(default_rules, name)).parameters), name


@pytest.mark.parametrize("rules, needle", [
    ({"grievance": 5}, "rules.grievance: expected a function grievance(hardship, legitimacy), got 5 (int)"),
    ({"grievance": lambda h: h}, "rules.grievance: expected a function grievance(hardship, legitimacy), got"),
    ({"x": 5}, "x: unknown rule"),
])
def test_check_rules_refuses_bad_rule_dicts_before_any_step(rules, needle):
    from sim.core.params import ParamError
    from sim.core.plugins import check_rules

    with pytest.raises(ParamError) as err:
        check_rules(rules)
    assert err.value.problems[0].startswith(needle)


@pytest.mark.parametrize("rules", [{"grievance": 5}, {"x": 5}, {"report_probability": "clip"}])
def test_a_bad_rules_dict_fails_when_the_model_is_built(rules):
    from sim.core.params import ParamError

    with pytest.raises(ParamError):
        TrustModel(preset="mixed", rng=1, rules=rules, **SMALL)


def test_trust_model_checks_plugin_outputs_itself(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import rule

        @rule
        def trust_after_memory(trust, baseline, p):     # called every step
            return trust * float("nan")
        """)
    plugin = load_plugin(path)
    with pytest.raises(UserError, match=r"^my_rules.py: rule trust_after_memory at step 1: returned NaN"):
        run(plugin, steps=10)


def test_check_plugin_stops_a_looping_plugin_at_its_time_limit(tmp_path):
    path = write(tmp_path, """
        from sim.core.plugins import rule

        @rule
        def grievance(hardship, legitimacy):
            while True:
                pass
        """)
    with pytest.raises(UserError, match=r"run exceeded its time limit of 0.5 s"):
        check_plugin(load_plugin(path), time_limit=0.5)


IDENTITY = '''import functools

import sim.core.rules as R
from sim.core.plugins import rule


def _same(f):
    @functools.wraps(f)
    def g(*args):
        return f(*args)
    return g


for _name in R.RULE_NAMES:
    rule(_name)(_same(getattr(R, _name)))
'''


@pytest.mark.parametrize("preset", ["reactive", "proximity", "social-support", "mixed", "hot-spots"])
def test_a_plugin_calling_every_default_rule_passes_every_output_check_and_changes_nothing(tmp_path, preset):
    path = tmp_path / "identity.py"
    path.write_text(IDENTITY)
    plugin = load_plugin(path)
    assert set(plugin.rules) == set(default_rules.RULE_NAMES)
    with_plugin = TrustModel(preset=preset, rng=3, width=30, height=30, rules=plugin.rules).run(20).results
    plain = TrustModel(preset=preset, rng=3, width=30, height=30).run(20).results
    pd.testing.assert_frame_equal(with_plugin, plain)
