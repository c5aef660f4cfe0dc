"""What the commands share: the options naming a store and a server, and the warning
about the demo secret."""

from __future__ import annotations

import argparse
import sys

from graph_model.settings import Settings


def store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help="store directory or neo4j:// URL (default: $CREDITKB_STORE "
                                   "or ./creditkb-data)")


def server_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")


def warn_demo_secret(settings: Settings) -> None:
    if settings.uses_demo_secret:
        print("creditkb: warning: CREDITKB_SECRET is not set; person ids are hashed with the "
              "public demo key (set it for real data)", file=sys.stderr)
