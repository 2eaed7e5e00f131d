"""Worked example of a rule plug-in: good contacts count more where nobody was arrested nearby.

The claim to try out: trust recovers faster after a good experience with the police
(a friendly contact, an answered report, social support) when nothing bad happened around
the citizen at the same time: no arrest seen nearby, no ignored report, no unanswered
incident next door. In the default model every good experience counts the same.

What changes: ``trust_after_experiences`` of ``sim/rules.py``. Its ``bad`` argument is
the weighted count of this step's bad experiences of each citizen, and an arrest
witnessed within ``witness_radius`` cells is one of them, so ``bad == 0`` means "a quiet
step around this citizen". On such a step a good experience counts ``QUIET_BONUS``
times; then the default rule of ``sim/rules.py`` does the rest, unchanged.

Try it:
    trustsim app --rules experiments/students/quiet_contacts.py
    trustsim compare experiments/students/quiet-contacts.toml

This file is Python and trustsim runs it: plug-ins are the one place trustsim runs code
that is not its own.
"""

import numpy as np

from sim.core import rules as default
from sim.core.plugins import rule

QUIET_BONUS = 3.0  # a good experience on a quiet step counts this many times


@rule
def trust_after_experiences(trust, good, bad, p):
    """The default rule, with good experiences counted QUIET_BONUS times for citizens
    who had no bad experience this step."""
    good = np.where(bad == 0, QUIET_BONUS * good, good)   # the change
    return default.trust_after_experiences(trust, good, bad, p)
