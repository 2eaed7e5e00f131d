"""Errors meant for users: the CLI prints them as one line each and exits with code 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input. ``problems`` holds one line per problem."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))
