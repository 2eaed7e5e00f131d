"""Parameters: defaults, ranges, validation messages, presets and the model's argument checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
from sim.core.grid import offsets
from sim.core.params import RADII, ParamError, Params
from sim.core.policy import allocate
from sim.core.presets import POLICY_PRESETS, PRESETS

NAMES = Params.names()
RANGED = [n for n in NAMES if Params.spec(n)["lo"] is not None]
CHOICE = [n for n in NAMES if Params.spec(n)["choices"] is not None]
EXTENSION_SWITCHES = ("trust_on", "influence_on", "incidents_on", "stress_on", "budget_on")


def problems_of(**kw) -> list[str]:
    with pytest.raises(ParamError) as err:
        Params(**kw)
    return err.value.problems


# --- defaults and the specification of every field ------------------------------------------

def test_defaults_are_valid_and_every_field_documents_itself():
    p = Params()
    for name in NAMES:
        s = Params.spec(name)
        assert s["doc"], f"{name} has no description"
        assert s["group"], f"{name} has no group"
        value = getattr(p, name)
        if s["choices"] is not None:
            assert value in s["choices"], name
        elif s["lo"] is not None:
            assert s["lo"] <= value <= s["hi"], name
        else:
            assert s["type"] == "bool", f"{name} has neither a range nor choices"


def test_spec_of_an_unknown_name_is_a_param_error_with_close_match():
    with pytest.raises(ParamError, match=r"legitimacy"):
        Params.spec("legitimcy")


# --- unknown names ------------------------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda: sim.TrustModel(rng=1, vison=3),
    lambda: Params.build(vison=3),
    lambda: Params.build("reactive", vison=3),
    lambda: Params().replace(vison=3),
], ids=["TrustModel", "build", "build-preset", "replace"])
def test_unknown_name_raises_param_error_naming_it_with_close_matches(build):
    with pytest.raises(ParamError) as err:
        build()
    (problem,) = err.value.problems
    assert problem.startswith("vison: unknown parameter")
    assert "did you mean" in problem and "vision" in problem


def test_unknown_name_far_from_any_gives_no_suggestion():
    with pytest.raises(ParamError) as err:
        Params.build(zzzzzz=1)
    assert err.value.problems == ["zzzzzz: unknown parameter"]


def test_params_constructor_itself_rejects_unknown_names_with_param_error():
    with pytest.raises(ParamError, match=r"vison: unknown parameter.*vision"):
        Params(vison=3)


# --- out of range, wrong type, unknown choice ---------------------------------------------------



def _outside(name):
    s = Params.spec(name)
    out = []
    if s["type"] == "int":
        out += [s["lo"] - 1, s["hi"] + 1]
    else:
        out += [s["lo"] - 0.01 * max(1, abs(s["lo"])), s["hi"] + 0.01 * max(1, abs(s["hi"]))]
    return out


@pytest.mark.parametrize("name, value", [(n, v) for n in RANGED for v in _outside(n)])
def test_out_of_range_names_the_parameter_and_the_allowed_range(name, value):
    s = Params.spec(name)
    problems = problems_of(**{name: value})
    expected = f"{name}: expected a value in [{s['lo']:g}, {s['hi']:g}]"
    matching = [q for q in problems if q.startswith(expected)]
    assert matching, problems
    assert repr(value) in matching[0]


@pytest.mark.parametrize("name", RANGED)
def test_range_ends_are_inclusive(name):
    """Each end of a range is accepted unless a cross-field rule forbids it."""
    s = Params.spec(name)
    for value in (s["lo"], s["hi"]):
        try:
            Params(**{name: value})
        except ParamError as err:
            assert not any(q.startswith(f"{name}: expected a value") for q in err.problems), err.problems


@pytest.mark.parametrize("name, value, words", [
    ("width", 20.0, "an integer"),
    ("width", True, "an integer"),
    ("legitimacy", "0.5", "a number"),
    ("legitimacy", True, "a number"),
    ("legitimacy", float("nan"), "a number"),
    ("trust_on", 1, "true or false"),
    ("geometry", 3, "a string"),
])
def test_wrong_type_names_the_parameter_and_the_expected_type(name, value, words):
    problems = problems_of(**{name: value})
    assert any(q.startswith(f"{name}: expected {words}") for q in problems), problems


@pytest.mark.parametrize("name", CHOICE)
def test_unknown_choice_lists_the_choices_and_the_closest(name):
    choices = Params.spec(name)["choices"]
    typo = choices[0][:-1]
    (problem,) = problems_of(**{name: typo})
    assert problem.startswith(f"{name}: expected one of {', '.join(choices)}")
    assert f"did you mean {choices[0]!r}" in problem


def test_all_problems_are_reported_together_one_line_each():
    problems = problems_of(vision=0, legitimacy=2.0, geometry="hex", share_officers=0.5)
    assert len(problems) == 4
    assert {q.split(":")[0] for q in problems} == {
        "vision", "legitimacy", "geometry", "share_officers + share_support + share_welfare + share_awareness"}
    for err_text in problems:
        assert "\n" not in err_text
    with pytest.raises(ParamError) as err:
        Params(vision=0, legitimacy=2.0)
    assert "\n" not in str(err.value) and "vision" in str(err.value) and "legitimacy" in str(err.value)


def test_param_error_is_a_value_error():
    assert issubclass(ParamError, ValueError)


# --- cross-field rules ------------------------------------------------------------------------------

def test_budget_shares_must_sum_to_one():
    problems = problems_of(share_officers=0.7, share_support=0.2, share_welfare=0.2)
    assert any(q.startswith("share_officers + share_support + share_welfare + share_awareness: expected a sum of 1")
               and "1.1" in q for q in problems), problems
    Params(share_officers=0.7, share_support=0.2, share_welfare=0.05, share_awareness=0.05)


def test_shares_are_not_checked_without_a_budget():
    Params(budget_on=False, share_officers=0.3)


def test_citizen_and_officer_densities_must_leave_room_without_budget():
    problems = problems_of(budget_on=False, citizen_density=0.9, officer_density=0.1)
    assert any(q.startswith("citizen_density + officer_density: expected a sum below 1") for q in problems)
    Params(budget_on=False, citizen_density=0.9, officer_density=0.09)
    Params(budget_on=True, citizen_density=0.9, officer_density=0.5, budget_per_cell=0.04)  # density unused


def test_budgeted_officers_and_citizens_must_fit_on_the_grid():
    problems = problems_of(citizen_density=0.9, budget_per_cell=0.1)
    assert any("budget_per_cell" in q and "citizen_density" in q and "expected below 1" in q for q in problems)
    Params(citizen_density=0.9, budget_per_cell=0.2, share_officers=0.4, share_support=0.6)


@pytest.mark.parametrize("name", RADII)
def test_radius_too_large_for_the_grid_names_it_and_the_limit(name):
    half = (12 - 1) // 2
    base = {r: 1 for r in RADII}
    Params(width=12, height=30, **{**base, name: half})
    problems = problems_of(width=12, height=30, **{**base, name: half + 1})
    assert problems == [f"{name}: expected at most {half} on a 12x30 grid "
                        f"(a neighbourhood must not wrap onto itself), got {half + 1}"]


def test_initial_trust_spread_must_fit_a_beta_distribution():
    (problem,) = problems_of(trust_initial_mean=0.9, trust_initial_sd=0.3)
    assert problem.startswith("trust_initial_sd: expected sd^2 < mean (1 - mean)")
    Params(trust_initial_mean=0.9, trust_initial_sd=0.29)


def test_zero_officer_cost_with_a_budget_is_rejected():
    with pytest.raises(ParamError, match="officer_cost"):
        Params(officer_cost=0.0)


# --- construction helpers ---------------------------------------------------------------------

def test_build_applies_preset_then_overrides_and_replace_validates():
    p = Params.build("proximity", width=30, height=30, response_radius=9)
    assert p.proximity_fraction == 1.0 and p.width == 30
    assert p.differences() == {"proximity_fraction": 1.0, "width": 30, "height": 30, "response_radius": 9}
    q = p.replace(legitimacy=0.5)
    assert q.legitimacy == 0.5 and p.legitimacy == Params().legitimacy
    with pytest.raises(ParamError, match=r"legitimacy: expected a value in \[0, 1\]"):
        p.replace(legitimacy=1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.width = 3


@pytest.mark.parametrize("name, text, value", [
    ("trust_on", "true", True), ("trust_on", "Off", False), ("trust_on", "1", True),
    ("width", "25", 25), ("legitimacy", "0.5", 0.5), ("geometry", "moore", "moore"),
])
def test_coerce_parses_command_line_text_by_type(name, text, value):
    out = Params.coerce(name, text)
    assert out == value and type(out) is type(value)


@pytest.mark.parametrize("name, text", [("trust_on", "maybe"), ("width", "2.5"), ("legitimacy", "high")])
def test_coerce_rejects_bad_text_naming_the_parameter(name, text):
    with pytest.raises(ParamError, match=rf"^{name}: expected"):
        Params.coerce(name, text)


# --- presets -------------------------------------------------------------------------------------

def test_the_named_presets_exist():
    assert set(PRESETS) == {"epstein-run1", "epstein-run2", "epstein-salami", "epstein-jump",
                            "epstein-cop-withdrawal", "netlogo-rebellion", "reactive", "proximity", "social-support",
                            "mixed", "hot-spots"}
    assert set(POLICY_PRESETS) == {"reactive", "proximity", "social-support", "mixed", "hot-spots"}


@pytest.mark.parametrize("name", [n for n in PRESETS if n.startswith("epstein")])
def test_epstein_presets_are_model_one_with_every_extension_off(name):
    p = Params.build(name)
    for switch in EXTENSION_SWITCHES:
        assert getattr(p, switch) is False, switch
    assert (p.width, p.height, p.citizen_density, p.officer_density, p.threshold, p.arrest_k) == (40, 40, 0.7, 0.04, 0.1, 2.3)
    assert p.activation == "sequential" and p.movement_on
    if name == "epstein-run1":   # Epstein (2002) Table 2, run 1 (docs/ODD.md section 8, item 20)
        assert (p.geometry, p.vision, p.officer_vision, p.legitimacy, p.max_jail_term) == ("moore", 1, 1, 0.89, 15)
    else:
        assert (p.geometry, p.vision, p.officer_vision, p.max_jail_term) == ("euclidean", 7, 7, 30)
        assert p.legitimacy == (0.82 if name in ("epstein-run2", "epstein-cop-withdrawal") else 0.9)


def test_epstein_run1_sees_the_eight_neighbours_as_a_euclidean_radius_of_1_7_does():
    p = Params.build("epstein-run1")
    dy, dx = offsets(p.vision, p.geometry)
    assert sorted(zip(dy.tolist(), dx.tolist())) == sorted(
        (y, x) for y in range(-2, 3) for x in range(-2, 3) if (y, x) != (0, 0) and y * y + x * x <= 1.7 ** 2)
    assert Params.build("epstein-run1") != Params.build("epstein-run2")


def test_policy_presets_spend_the_same_budget_per_step():
    cells = 40 * 40
    allocs = {name: allocate(Params.build(name), cells, int(0.7 * cells)) for name in POLICY_PRESETS}
    budgets = {a.budget for a in allocs.values()}
    assert len(budgets) == 1 and budgets.pop() > 0
    for name, a in allocs.items():
        spent = a.cost_policing + a.cost_programmes
        p = Params.build(name)
        assert spent <= a.budget + 1e-9, name
        assert a.budget - spent < p.officer_cost + 1e-9, name  # only the fraction of an officer is unspent


def test_unknown_preset_names_close_matches_and_the_known_ones():
    with pytest.raises(ParamError) as err:
        sim.TrustModel(preset="epstein-run3", rng=1)
    (problem,) = err.value.problems
    assert problem.startswith("epstein-run3: unknown preset (did you mean")
    assert "epstein-run1" in problem and "known presets:" in problem


# --- the model's own arguments ------------------------------------------------------------------

@pytest.mark.parametrize("rng", [-1, 1.5, True, "7"])
def test_bad_seed_is_a_param_error_naming_rng(rng):
    with pytest.raises(ParamError, match=r"^rng: expected a non-negative integer seed"):
        sim.TrustModel(rng=rng, width=20, height=20, response_radius=9)


@pytest.mark.parametrize("steps", [-1, 2.0, True])
def test_bad_step_count_is_a_param_error(make, steps):
    m = make()
    with pytest.raises(ParamError, match=r"^steps: expected a non-negative integer"):
        m.run(steps)
    assert m.steps == 0


def test_unknown_rule_or_hook_point_names_close_matches(make):
    with pytest.raises(ParamError, match=r"grievence: unknown rule \(did you mean grievance"):
        make(rules={"grievence": lambda h, legitimacy: h})
    with pytest.raises(ParamError, match=r"step_ned: unknown hook point \(did you mean step_end"):
        make(hooks={"step_ned": [print]})


def test_full_params_object_with_overrides(make):
    p = Params.build("mixed", width=20, height=20, response_radius=9)
    m = sim.TrustModel(params=p, rng=2, legitimacy=0.5)
    assert m.p == p.replace(legitimacy=0.5)


@pytest.mark.parametrize("sd", [1e-160, 1e-200])
def test_tiny_initial_trust_spread_gives_trust_at_the_mean(sd):
    m = sim.TrustModel(rng=1, width=20, height=20, response_radius=9, trust_initial_sd=sd)
    np.testing.assert_allclose(m.citizens.trust, Params().trust_initial_mean)


def test_a_rule_can_be_replaced_by_a_plug_in(make):
    """Regression: _rule_set once passed an overridden rule twice to SimpleNamespace (TypeError)."""
    seen = []

    def grievance(hardship, legitimacy):
        seen.append(len(hardship))
        return hardship * (1.0 - legitimacy)
    make(rules={"grievance": grievance}).run(1)
    assert seen
