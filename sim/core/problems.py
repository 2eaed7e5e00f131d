"""The error of a bad parameter, rule, hook point or preset name, and its "did you mean" message.

Kept apart from :mod:`sim.core.params` so :mod:`sim.core.presets` can raise it without
importing the parameters (``params`` imports ``presets`` to resolve a preset: one way only).
"""

from __future__ import annotations

import difflib

from sim.errors import UserError


class ParamError(UserError, ValueError):
    """A bad parameter name or value. ``problems`` holds one line per problem.

    A :class:`sim.errors.UserError` (the CLI prints it as one line per problem, exit code 2)
    and a ``ValueError`` (what it was first)."""

    def __init__(self, problems: list[str]):
        super().__init__(list(problems))


def unknown_name_message(name: str, known: list[str], what: str = "parameter") -> str:
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"{name}: unknown {what}{hint}"
