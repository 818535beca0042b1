"""Subcommands of ``opsbook`` that live in a module of their own.

Each module defines ``register(sub, common)``: it adds its parser with
``sub.add_parser(NAME, parents=[common], help=…)`` and sets ``func`` to a
function ``(args) -> int`` (the exit code).  :mod:`checks.cli` finds every
module here by name; nothing else needs to change to add a command.
"""
