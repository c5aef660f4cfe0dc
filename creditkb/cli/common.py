"""What the commands share: the options naming a store and a server, and the warning
about the demo secret."""

from __future__ import annotations

import argparse
import sys

from graph_model.i18n import message
from graph_model.settings import Settings


def store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help=message("cli.store"))


def server_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help=message("cli.host"))
    p.add_argument("--port", type=int, default=8000, help=message("cli.port"))


def warn_demo_secret(settings: Settings) -> None:
    if settings.uses_demo_secret:
        print(message("cli.warning.demo_secret"), file=sys.stderr)
