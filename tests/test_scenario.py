"""Scenario resolution: parameter layering, baselines, preset interventions, shipped files."""

import re
from pathlib import Path

import pytest

from sim.core.params import Params
from sim.core.presets import PRESETS
from sim.errors import UserError
from sim.scenario.files import BASE_KEYS, INTERVENTION_KEYS, POLICY_KEYS, TOP_KEYS, load_scenario

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
SHIPPED = [EXPERIMENTS / f"{name}.toml" for name in (
    "compare-policies", "budget-cut", "legitimacy-shock", "epstein-run1", "epstein-run2", "epstein-salami",
    "epstein-jump", "epstein-cop-withdrawal")]
SMALL = dict(width=20, height=20, vision=4, officer_vision=4, response_radius=6)


def scenario(**top):
    d = {"name": "s", "steps": 10, "replicates": 2, "seed": 1, "base": {"params": dict(SMALL)},
         "policies": [{"name": "a"}]}
    d.update(top)
    return d


def test_policy_parameters_are_layered_in_the_documented_order():
    d = scenario(base={"preset": "social-support", "params": {**SMALL, "contact_rate": 0.3, "trust_memory": 0.05}},
                 policies=[
                     {"name": "base-only"},
                     {"name": "preset", "preset": "proximity"},
                     {"name": "shares", "preset": "proximity",
                      "budget_shares": {"officers": 0.5, "support": 0.5}, "proximity_fraction": 0.25},
                     {"name": "params", "preset": "proximity", "params": {"contact_rate": 0.9}},
                 ])
    s = load_scenario(d)
    p = {x.name: x.params for x in s.policies}
    ss = PRESETS["social-support"].params
    assert p["base-only"]["share_support"] == ss["share_support"] and p["base-only"]["contact_rate"] == 0.3
    assert p["preset"]["proximity_fraction"] == 1.0 and p["preset"]["share_support"] == 0.0
    assert p["preset"]["trust_memory"] == 0.05  # the policy preset takes only the budget split
    assert (p["shares"]["share_officers"], p["shares"]["share_support"], p["shares"]["share_welfare"],
            p["shares"]["proximity_fraction"]) == (0.5, 0.5, 0.0, 0.25)
    assert p["params"]["contact_rate"] == 0.9
    for params in p.values():
        assert Params(**params).to_dict() == params  # full, valid parameter sets


def test_the_baseline_defaults_to_reactive_if_present_else_the_first_policy():
    assert load_scenario(scenario(policies=[{"name": "x"}, {"name": "reactive"}])).baseline == "reactive"
    assert load_scenario(scenario(policies=[{"name": "x"}, {"name": "y"}])).baseline == "x"
    assert load_scenario(scenario(policies=[{"name": "x"}, {"name": "y"}], baseline="y")).baseline == "y"


def test_preset_interventions_are_kept_in_step_order_and_those_after_the_run_dropped():
    d = scenario(steps=120, base={"preset": "epstein-salami", "params": SMALL},
                 interventions=[{"step": 65, "shock": {"hardship": 0.1}}],
                 policies=[{"name": "a", "interventions": [{"step": 60, "set": {"threshold": 0.2}}]}])
    ivs = load_scenario(d).policies[0].interventions
    steps = [iv["step"] for iv in ivs]
    assert steps == sorted(steps) and max(steps) <= 120
    assert steps.count(60) == 2 and ivs[steps.index(60)]["set"] == {"legitimacy": 0.89}  # preset first at a tie
    assert {"step": 65, "shock": {"hardship": 0.1}} in ivs
    assert len([s for s in steps if s not in (60, 65)]) == len([s for s, _ in PRESETS["epstein-salami"].interventions
                                                               if s <= 120]) - 1


def test_overrides_replace_top_level_keys_and_the_input_is_left_alone():
    d = scenario()
    s = load_scenario(d, overrides={"replicates": 5, "steps": 40, "seed": None})
    assert (s.replicates, s.steps, s.seed) == (5, 40, 1) and d["replicates"] == 2
    assert s.window_steps == (31, 40) and len(s.seeds) == 5
    assert load_scenario(scenario(window=0.01)).window_steps == (10, 10)  # at least one step


def test_an_intervention_that_would_leave_invalid_parameters_is_caught_before_running():
    d = scenario(interventions=[{"step": 3, "set": {"share_officers": 0.5}}])
    with pytest.raises(UserError, match=r"policies\[0\]: after the intervention at step 3: share_officers \+"):
        load_scenario(d)


def test_a_missing_file_is_a_one_line_user_error(tmp_path):
    with pytest.raises(UserError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_is_valid_and_commented(path):
    s = load_scenario(path)
    assert s.name == path.stem
    text = path.read_text()
    assert text.startswith("#") and text.count("#") >= 10
    if s.policies[0].params["budget_on"]:
        assert len(s.policies) >= 2


def test_the_shipped_files_include_the_default_the_shocks_and_every_epstein_preset():
    names = {p.stem for p in EXPERIMENTS.glob("*.toml")}
    assert {"compare-policies", "budget-cut", "legitimacy-shock"} <= names
    assert {name for name in PRESETS if name.startswith("epstein")} <= names
    for name in (n for n in PRESETS if n.startswith("epstein")):
        s = load_scenario(EXPERIMENTS / f"{name}.toml")
        assert [iv["step"] for iv in s.policies[0].interventions] == [
            step for step, _ in PRESETS[name].interventions if step <= s.steps]


def test_the_default_comparison_documents_every_key_of_the_schema():
    text = (EXPERIMENTS / "compare-policies.toml").read_text()
    comments = "\n".join(line for line in text.splitlines() if "#" in line)
    for key in {*TOP_KEYS, *BASE_KEYS, *POLICY_KEYS, *INTERVENTION_KEYS} - {"base", "policies", "interventions"}:
        assert re.search(rf"\b{key}\b", comments), key
    s = load_scenario(EXPERIMENTS / "compare-policies.toml")
    assert s.policy_names == ["reactive", "proximity", "social-support", "mixed"] and s.baseline == "reactive"
