"""Errors meant for users: the CLI prints them as one line each and exits with code 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input. ``problems`` holds one line per problem."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


# C0/C1 controls (newline, escape, ...) and the bidirectional controls U+061C, U+200E, U+200F,
# U+202A-U+202E (embeddings, overrides), U+2066-U+2069 (isolates)
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)])
_ESCAPES = {ord(ch): f"\\u{ord(ch):04x}" for ch in _BIDI + _CONTROLS}


def safe_text(text, keep_newlines: bool = False) -> str:
    """``text`` with bidirectional controls (which can reorder what a reader sees: "Trojan
    Source") and control characters escaped as ``\\uXXXX``, for any text shown to users (error
    lines, reports, tables). ``keep_newlines``: leave ``\\n`` and ``\\t`` as they are."""
    table = _ESCAPES if not keep_newlines else {k: v for k, v in _ESCAPES.items() if k not in (0x0A, 0x09)}
    return str(text).translate(table)


def has_unsafe_text(text) -> bool:
    """True if ``text`` holds a bidirectional control or a control character other than newline/tab."""
    return safe_text(text, keep_newlines=True) != str(text)
