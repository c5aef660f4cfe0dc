"""Shared date handling for the rule queries.

Every rule function in :mod:`queries` takes an ``as_of`` date.  This module
turns the caller's value into a :class:`datetime.date` and rejects anything
else with :class:`InvalidInput`, so that a malformed date is a clear error and
never a silently wrong answer.

Examples
--------
>>> from queries.dates import parse_as_of, InvalidInput
>>> parse_as_of("2024-03-01")
datetime.date(2024, 3, 1)
>>> parse_as_of("2024-02-30")
Traceback (most recent call last):
...
queries.dates.InvalidInput: as_of：'2024-02-30'不是有效日期（格式为 YYYY-MM-DD）

(in the current language, :mod:`graph_model.i18n`: Chinese unless English is asked for)
"""
from __future__ import annotations

import datetime as _dt
import re

from graph_model.errors import UserError
from graph_model.i18n import message
from graph_model.settings import Settings

__all__ = ["InvalidInput", "parse_as_of", "parse_date", "parse_optional_date",
           "parse_plausible"]

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidInput(UserError):
    """Raised when a caller passes input the rules cannot answer for.

    Examples: an unknown subject or region, a date that is not a date, a
    malformed agreement or a grade scale that maps a grade twice.  It is a
    :class:`~graph_model.errors.UserError`, so also a :class:`ValueError`.
    """


def parse_date(value, what: str = "date") -> _dt.date:
    """Return ``value`` as a :class:`datetime.date`.

    Parameters
    ----------
    value : datetime.date or str
        A ``date`` (a ``datetime`` is reduced to its date) or an ISO string
        ``'YYYY-MM-DD'``.  Surrounding whitespace is ignored.
    what : str
        Name used in the error message (for example ``'as_of'``).

    Returns
    -------
    datetime.date

    Raises
    ------
    InvalidInput
        If ``value`` is None, of another type, or not a real calendar date.

    Examples
    --------
    >>> parse_date(" 2023-12-31 ", "valid_to")
    datetime.date(2023, 12, 31)
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _ISO.match(text):
            try:
                return _dt.date.fromisoformat(text)
            except ValueError:
                pass
        raise InvalidInput(message("error.not_a_date", what=what, value=repr(value)))
    raise InvalidInput(message("error.not_a_date_type", what=what, type=type(value).__name__,
                               value=repr(value)))


def parse_as_of(value) -> _dt.date:
    """Parse the ``as_of`` argument of a rule query.

    Parameters
    ----------
    value : datetime.date or str
        The date the answer is computed for, or ``'YYYY-MM-DD'``.

    Returns
    -------
    datetime.date

    Raises
    ------
    InvalidInput
        If ``value`` is not a date, or not a plausible one: a question is asked about a
        day between ``CREDITKB_DATE_EARLIEST`` (1949-10-01) and ten years from today
        (``CREDITKB_DATE_FUTURE_YEARS``), the window of a record's dates (see
        :mod:`graph_model.dates`).

    Examples
    --------
    >>> parse_as_of("2024-06-30")
    datetime.date(2024, 6, 30)
    >>> parse_as_of("0001-01-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    queries.dates.InvalidInput: as_of：1年1月1日超出合理日期范围（1949年10月1日至...）
    """
    return parse_plausible(value, "as_of", "event")


def parse_plausible(value, what: str = "date", window: str = "event") -> _dt.date:
    """Parse a date a caller gives and hold it to the plausible ``window`` of
    :mod:`graph_model.dates`: ``"event"`` (``CREDITKB_DATE_EARLIEST`` to ten years from
    today: a decision, a listing, the day a question is asked about) or ``"term"`` (to a
    hundred years: the end of a term, a deadline).  Every date the API is given goes through
    here, the widest window first (its ``Date`` scalar) and the narrower where a rule needs
    it (:func:`parse_as_of`).

    Raises
    ------
    InvalidInput
        If ``value`` is no date (see :func:`parse_date`) or lies outside the window.

    Examples
    --------
    >>> parse_plausible("2031-05-01", "dueOn", "term")
    datetime.date(2031, 5, 1)
    >>> parse_plausible("9999-12-31", "dueOn", "term")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    queries.dates.InvalidInput: dueOn：9999年12月31日超出合理日期范围（1949年10月1日至...）
    """
    day = parse_date(value, what)
    plausible = Settings.from_env().date_policy.window(window)
    if plausible.problem(day):
        raise InvalidInput(message("error.day_outside_window", what=what, day=day,
                                   earliest=plausible.earliest, latest=plausible.latest))
    return day


def parse_optional_date(value, what: str = "date"):
    """Like :func:`parse_date` but ``None`` and ``''`` give ``None``.

    Used for stored record properties such as ``removed_on`` or ``valid_to``
    that may be absent (open-ended).

    Examples
    --------
    >>> parse_optional_date("", "removed_on") is None
    True
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, what)
