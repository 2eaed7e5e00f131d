"""Subcommands of the ``trustsim`` command, one module each: ``sim.commands.<name>`` with
``add_parser(subparsers)``, which calls ``subparsers.add_parser("<name>", ...)`` and sets
``func``.

:data:`COMMANDS` is the one list of them and the one source of their one-line help: ``trustsim
--help`` is built from it alone, without importing any command module, and ``trustsim NAME ...``
imports ``sim.commands.NAME`` only (:mod:`sim.cli`), so each module may import what it needs at
its top. Adding a command is adding its module and its line here (a test checks that the two
agree).
"""

COMMANDS = {
    "app": "start the interactive app (a web page on this computer): watch the grid, change parameters and rules",
    "calibrate": "calibrate uncertain parameters to published patterns (Morris screening, ABC-SMC with pyabc); "
                 "resumable",
    "claims": "show each claim C1-C5 of MODEL.md holding in one setting and failing in another (paired seeds); "
              "exits 1 if one cannot be shown both ways",
    "compare": "compare policies on a scenario and print the table (default scenario: "
               "experiments/compare-policies.toml)",
    "discover": "find where in parameter space a policy beats the baseline (PRIM)",
    "plot": "draw the charts of a results folder into DIR/figures/",
    "report": "write DIR/report.html: headline, table, charts, costs, assumptions",
    "run": "run a scenario file (every policy and replicate), or one preset with --preset",
    "sensitivity": "Sobol or Morris sensitivity of the measures and policy differences to a sweep file's "
                   "parameters (SALib)",
    "sweep": "run a parameter sweep file (resumable: run the same command again to finish)",
    "validate": "reproduce Epstein (2002) and check the policy layer against published findings",
}
"""{command name: one-line help}, in the order ``trustsim --help`` lists them."""

__all__ = ["COMMANDS"]
