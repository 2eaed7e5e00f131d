"""Subcommands of the ``trustsim`` command, one module each."""
