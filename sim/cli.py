"""The ``trustsim`` command. Each subcommand is a module of :mod:`sim.commands` with
``add_parser(subparsers)``; its parser's ``func(args)`` does the work. Modules are found
automatically: adding a command is adding a module.

User errors (bad arguments, bad parameters, bad files) print one line each, prefixed
``trustsim: error:``, and exit with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from sim.core.params import ParamError
from sim.errors import UserError


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse would print the usage too)
        self.exit(2, f"trustsim: error: {message} (see: {self.prog} --help)\n")


def build_parser() -> Parser:
    parser = Parser(prog="trustsim", description="Agent-based simulation of community trust and security.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    import sim.commands

    for info in sorted(pkgutil.iter_modules(sim.commands.__path__), key=lambda i: i.name):
        importlib.import_module(f"sim.commands.{info.name}").add_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, ParamError) as err:
        for line in err.problems:
            print(f"trustsim: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("trustsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
