"""The command line, ``python -m qa`` / ``cica-qa``: one module per subcommand
(``ask``, ``evaluate`` for eval and tune, ``feedback``), the shared flags and
exit statuses (``args``), and ``main``, which parses and dispatches (``main``)."""

from qa.cli.args import OneLineParser
from qa.cli.main import main

__all__ = ["OneLineParser", "main"]
