"""The ``creditkb`` command: demo, load, loads, serve, generate, keys, audit, score, reminders,
report, qr, export, objections, one module each (``creditkb.cli.<command>``: ``add_parser`` and ``run``).

Failures print one line, ``creditkb: error: ...``, and exit non-zero: 2 for a usage
error, 1 for anything else: what the user can fix (a :class:`~graph_model.errors.CreditKBError`:
bad input, bad data, an unreachable store; or a file that cannot be read), and a bug, which
says so.
"""

from __future__ import annotations

import sys

from creditkb.cli import (
    audit, demo, export, generate, keys, load, loads, objections, qr, reminders, report, score,
    serve,
)
from creditkb.cli.localized import Parser
from graph_model.errors import CreditKBError
from graph_model.i18n import message, use_language
from graph_model.settings import Settings, language

#: The commands, in the order --help lists them.
COMMANDS = {"demo": demo, "load": load, "loads": loads, "serve": serve, "keys": keys,
            "audit": audit, "generate": generate, "score": score,
            "reminders": reminders, "report": report, "qr": qr, "export": export,
            "objections": objections}


def parser() -> Parser:
    top = Parser(prog="creditkb", description=message("cli.description"))
    sub = top.add_subparsers(dest="command", required=True, metavar=message("cli.command"))
    for command in COMMANDS.values():
        command.add_parser(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    with use_language(language()):
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except KeyboardInterrupt:
        print(message("cli.interrupted"), file=sys.stderr)
        return 130
    except (CreditKBError, OSError) as exc:
        print(message("cli.error", prog="creditkb", detail=exc), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, the traceback on request
        if _debug():
            raise
        print(message("cli.bug", kind=type(exc).__name__, detail=exc), file=sys.stderr)
        return 1


def _debug() -> bool:
    """CREDITKB_DEBUG, read without failing: a bug is reported as one even when another
    setting (a date window) is malformed."""
    try:
        return Settings.from_env().debug
    except CreditKBError:
        return False


if __name__ == "__main__":
    sys.exit(main())
