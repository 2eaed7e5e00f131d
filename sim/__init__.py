"""trustsim: an agent-based simulation of community trust and security, on Mesa.

    import sim
    m = sim.TrustModel(preset="proximity", rng=7, width=60)
    m.run(200)
    df = m.results
"""

from sim.interventions import Intervention
from sim.measures import MEASURES
from sim.model import TrustModel
from sim.params import ParamError, Params
from sim.presets import POLICY_PRESETS, PRESETS

__version__ = "0.1.0"

__all__ = ["TrustModel", "Params", "ParamError", "Intervention", "PRESETS", "POLICY_PRESETS", "MEASURES"]

from sim.experiment import Results, compare, load_results, run_scenario  # noqa: E402  (scenarios, replicates)

__all__ += ["run_scenario", "compare", "load_results", "Results"]

from sim.sweep import sweep  # noqa: E402  (parameter sweeps: streamed, resumable, any evaluator)
from sim.sensitivity import sensitivity  # noqa: E402  (Sobol / Morris indices with SALib)

__all__ += ["sweep", "sensitivity"]
