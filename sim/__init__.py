"""trustsim: an agent-based simulation of community trust and security, on Mesa.

    import sim
    m = sim.TrustModel(preset="proximity", rng=7, width=60)   # one run
    m.run(200)
    df = m.results
    res = sim.compare()                                        # the equal-budget policy comparison
    sim.sweep("experiments/sweep-budget.toml")                 # sweeps and sensitivity (SALib)
"""

from sim.experiment import Results, compare, load_results, run_scenario
from sim.interventions import Intervention
from sim.measures import MEASURES
from sim.model import TrustModel
from sim.params import ParamError, Params
from sim.presets import POLICY_PRESETS, PRESETS
from sim.sensitivity import sensitivity
from sim.sweep import sweep

__version__ = "0.1.0"

__all__ = ["TrustModel", "Params", "ParamError", "Intervention", "PRESETS", "POLICY_PRESETS", "MEASURES",
           "run_scenario", "compare", "load_results", "Results", "sweep", "sensitivity"]
