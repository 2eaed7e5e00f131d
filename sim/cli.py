"""The ``trustsim`` command. Each subcommand is a module of :mod:`sim.commands` with
``add_parser(subparsers)``; its parser's ``func(args)`` does the work. Modules are found
automatically: adding a command is adding a module.

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
import pkgutil
import signal
import sys
import threading
import traceback

from sim.core.params import ParamError
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


def build_parser() -> Parser:
    parser = Parser(prog="trustsim", description="Agent-based simulation of community trust and security.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    import sim.commands

    for info in sorted(pkgutil.iter_modules(sim.commands.__path__), key=lambda i: i.name):
        importlib.import_module(f"sim.commands.{info.name}").add_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    state = {"terminated": False}
    previous = _install_sigterm(state)
    try:
        status = int(args.func(args) or 0)
    except (UserError, ParamError) as err:
        for line in err.problems:
            print(f"trustsim: error: {one_line(line)}", file=sys.stderr)
        status = EXIT_USER_ERROR
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
    except Exception as err:  # noqa: BLE001 -- a bug: one line, the traceback on request
        status = _report_bug(err)
    finally:
        _restore_sigterm(previous)
    if state["terminated"] and status == EXIT_INTERRUPTED:  # a command that handled the interrupt itself
        status = EXIT_TERMINATED
    return status


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
