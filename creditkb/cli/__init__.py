"""The ``creditkb`` command."""

from creditkb.cli.main import main

__all__ = ["main"]
