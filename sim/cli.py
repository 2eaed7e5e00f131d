"""The ``trustsim`` command. Each subcommand is a module of :mod:`sim.commands` with
``add_parser(subparsers)``; its parser's ``func(args)`` does the work. The commands and their
one-line help are listed in :data:`sim.commands.COMMANDS`: ``trustsim --help`` (and a missing or
unknown command) is answered from that list alone, and ``trustsim NAME ...`` imports only
``sim.commands.NAME``, so starting is fast whatever the other commands load.

How it ends:

- user errors (bad arguments, bad parameters, bad files: :class:`sim.errors.UserError`,
  :class:`sim.core.params.ParamError`) print one line each, prefixed ``trustsim: error:``, and
  exit with code 2, without a traceback;
- Ctrl-C (SIGINT) and ``kill`` (SIGTERM) take the same path (a command saves what it can, e.g. a
  sweep its finished runs): one line, exit 130 for Ctrl-C, 143 for SIGTERM;
- anything else is a bug: one line naming the error and ``run with TRUSTSIM_DEBUG=1 for the
  traceback`` (with ``TRUSTSIM_DEBUG=1`` the traceback is printed too), exit 1.

Printed error lines have control and bidirectional-override characters escaped, so a file name
or a message cannot break the line or reorder what the terminal shows.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
import traceback

from sim.commands import COMMANDS
from sim.errors import UserError, safe_text

EXIT_USER_ERROR = 2
EXIT_BUG = 1
EXIT_INTERRUPTED = 130          # 128 + SIGINT
EXIT_TERMINATED = 143           # 128 + SIGTERM
DEBUG_ENV = "TRUSTSIM_DEBUG"



class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse would print the usage too)
        self.exit(EXIT_USER_ERROR, f"trustsim: error: {one_line(message)} (see: {self.prog} --help)\n")


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM: commands handle it as Ctrl-C (save, stop)."""


def one_line(text) -> str:
    """``text`` on one line with control and bidi characters escaped (``\\u202e``)."""
    return safe_text(" ".join(str(text).split()))


class _Registered:
    """The subparsers action as a command module sees it: ``add_parser(name, ...)`` takes the
    one-line help (and, if the module gives none, the description) from :data:`COMMANDS`."""

    def __init__(self, sub):
        self._sub = sub

    def add_parser(self, name, **kwargs):
        kwargs["help"] = COMMANDS[name]
        kwargs.setdefault("description", COMMANDS[name][:1].upper() + COMMANDS[name][1:] + ".")
        return self._sub.add_parser(name, **kwargs)


def build_parser(command: str | None = None) -> Parser:
    """The ``trustsim`` parser. Without ``command`` every command is listed from
    :data:`COMMANDS` alone (enough for ``--help`` and for refusing an unknown command; no command
    module is imported); with it, ``sim.commands.<command>`` is imported and adds its parser."""
    parser = Parser(prog="trustsim", description="Agent-based simulation of community trust and security.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    if command is None:
        for name, line in COMMANDS.items():
            sub.add_parser(name, help=line, add_help=False)
    else:
        importlib.import_module(f"sim.commands.{command}").add_parser(_Registered(sub))
    return parser


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(command).parse_args(argv)
    if command is None:                     # e.g. `trustsim --help`: argparse has exited already
        return EXIT_USER_ERROR
    state = {"terminated": False}
    previous = _install_sigterm(state)
    try:
        status = int(args.func(args) or 0)
    except UserError as err:
        status = _report_user_error(err)
    except KeyboardInterrupt:
        if state["terminated"]:
            print("trustsim: terminated (SIGTERM); finished work was saved where the command saves it",
                  file=sys.stderr)
            status = EXIT_TERMINATED
        else:
            print("trustsim: interrupted", file=sys.stderr)
            status = EXIT_INTERRUPTED
    except SystemExit:
        raise
    except Exception as err:  # noqa: BLE001 -- a bug (one line, the traceback on request), or a ParamError
        status = _report_user_error(err) if _is_param_error(err) else _report_bug(err)
    finally:
        _restore_sigterm(previous)
    if state["terminated"] and status == EXIT_INTERRUPTED:  # a command that handled the interrupt itself
        status = EXIT_TERMINATED
    return status


def _is_param_error(err: BaseException) -> bool:
    """A :class:`sim.core.params.ParamError` (a user error), without importing sim.core.params
    here (it loads NumPy): if one was raised, its module is loaded."""
    params = sys.modules.get("sim.core.params")
    return params is not None and isinstance(err, params.ParamError)


def _report_user_error(err) -> int:
    for line in err.problems:
        print(f"trustsim: error: {one_line(line)}", file=sys.stderr)
    return EXIT_USER_ERROR


def _report_bug(err: BaseException) -> int:
    debug = os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")
    if debug:
        traceback.print_exception(err, file=sys.stderr)
    message = one_line(err) or "(no message)"
    if len(message) > 300:
        message = message[:297] + "..."
    hint = "" if debug else f"; run with {DEBUG_ENV}=1 for the traceback"
    print(f"trustsim: error: unexpected {type(err).__name__}: {message}{hint}", file=sys.stderr)
    return EXIT_BUG


def _install_sigterm(state):
    """SIGTERM raises :class:`Terminated` (a KeyboardInterrupt) in the main thread, once; a
    second SIGTERM while the command cleans up is ignored (SIGKILL still ends it)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_term(signum, frame):
        if state["terminated"]:
            return
        state["terminated"] = True
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError):
        return None


def _restore_sigterm(previous):
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
