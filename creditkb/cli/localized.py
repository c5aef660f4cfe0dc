"""The command line in the user's language (``LANG``: Chinese when it starts with zh, else
English; :func:`graph_model.settings.language`): argparse's own words (usage, the
sections, ``-h``, the error line) from the message catalogue, like every help text."""

from __future__ import annotations

import argparse
import sys

from graph_model.i18n import message

__all__ = ["Parser"]


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups,
                          prefix=message("cli.usage") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser (and so each of its subcommands' parsers) worded in the current
    language."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = message("cli.positionals")
        self._optionals.title = message("cli.options")
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help=message("cli.help"))

    def error(self, text: str):
        self.print_usage(sys.stderr)
        self.exit(2, message("cli.error", prog=self.prog, detail=text) + "\n")
