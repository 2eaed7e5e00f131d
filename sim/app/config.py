"""The app's settings: defaults and ranges of its controls, chart and grid sizes, colours, and
which parameters of :class:`sim.core.params.Params` get a slider."""

ENV_PRESET = "TRUSTSIM_APP_PRESET"   # set by `trustsim app`; the server imports this module
ENV_RULES = "TRUSTSIM_APP_RULES"
DEFAULT_PRESET = "mixed"
DEFAULT_SIZE = 50
SIZE_RANGE = (25, 400)               # cells per side; the image has one pixel per cell
DEFAULT_SPEED = 20                   # steps per second at most, while playing
SPEED_RANGE = (1, 60)
SMOOTHING_DAYS = 7                   # the incident rate's moving average, in steps (days)
MAX_POINTS = 600                     # points per chart series before it keeps every second one

# colours (Okabe-Ito, colour-blind safe); quiet citizens take their trust's colour
TRUST_CMAP = "cividis"
COLOURS = {"empty": "#ffffff", "active": "#d55e00", "jailed": "#8c8c8c",
           "reactive": "#cc79a7", "proximity": "#009e73"}
STRESS_DARKENING = 0.6               # a fully stressed officer's colour is 60% darker
GRID_PIXELS = 480                    # the grid is shown about this many pixels a side

SHARES = ("share_officers", "share_support", "share_welfare", "share_awareness")
# the sliders: policy (budget), Epstein's core, trust weights
SLIDERS = (*SHARES, "proximity_fraction", "budget_per_cell", "officer_density", "vision", "legitimacy",
           "trust_initial_mean", "trust_step", "negativity_bias", "weight_arrested", "weight_witness_arrest",
           "weight_help", "weight_report")
SLIDER_STEPS = {"vision": 1, "negativity_bias": 0.5, "budget_per_cell": 0.005, "officer_density": 0.005}
SLIDER_MAX = {"budget_per_cell": 0.2, "officer_density": 0.2}   # beyond, the grid is mostly officers
GROUP_TITLES = {"policy": "Policy: how the budget is spent", "grid": "Officers and vision",
                "epstein": "Epstein's core (only when trust is off: epstein-* presets)", "trust": "Trust"}
