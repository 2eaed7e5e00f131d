"""trustsim: an agent-based simulation of community trust and security, on Mesa.

    import sim
    m = sim.TrustModel(preset="proximity", rng=7, width=60)   # one run
    m.run(200)
    df = m.results
    res = sim.compare()                                        # the equal-budget policy comparison
    sim.sweep("experiments/sweep-budget.toml")                 # sweeps and sensitivity (SALib)

The names below load on first use (PEP 562), so `import sim` loads neither Mesa, pandas nor matplotlib.
Running and reading experiments (`compare`, `run_scenario`, `load_results`, `Results`, `sweep`,
`sensitivity`) is the interface of :mod:`sim.api`.
"""

from importlib import import_module

__version__ = "0.1.0"

_PUBLIC = {   # public name -> module that defines it
    "TrustModel": "sim.core.model",
    "Params": "sim.core.params",
    "ParamError": "sim.core.params",
    "Intervention": "sim.core.interventions",
    "PRESETS": "sim.core.presets",
    "POLICY_PRESETS": "sim.core.presets",
    "MEASURES": "sim.core.measures",
    "run_scenario": "sim.api",
    "compare": "sim.api",
    "load_results": "sim.api",
    "Results": "sim.api",
    "sweep": "sim.api",
    "sensitivity": "sim.api",
}

__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value   # later lookups skip this function
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_PUBLIC])
