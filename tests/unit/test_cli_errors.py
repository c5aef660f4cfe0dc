"""How the command line reports a bug: one line naming it, the traceback only on request."""

from __future__ import annotations

import importlib

import pytest

# The module: creditkb.cli re-exports its main(), which hides it as an attribute.
cli = importlib.import_module("creditkb.cli.main")


@pytest.fixture
def buggy_generate(monkeypatch):
    def run(args):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr(cli.COMMANDS["generate"], "run", run)


def test_a_bug_is_one_line_even_when_a_setting_is_malformed(buggy_generate, monkeypatch,
                                                            capsys):
    monkeypatch.setenv("CREDITKB_DATE_FUTURE_YEARS", "ten")  # generate reads no settings
    assert cli.main(["generate", "--out", "x"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("creditkb: error: unexpected ZeroDivisionError: a bug "
                           "(set CREDITKB_DEBUG=1 for the traceback)")


def test_the_traceback_on_request(buggy_generate, monkeypatch):
    monkeypatch.setenv("CREDITKB_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["generate", "--out", "x"])
