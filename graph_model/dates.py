"""Which dates are plausible: the window a date of a record or a question must fall in.

Every date creditkb keeps is the date of a Chinese administrative act (a penalty, a
grade, a listing, a registration) or the end of a term such an act set, so none is
older than the People's Republic: 1949-10-01 by default.  A date in the future is a
typing slip or a misread cell (an Excel day number read as a date gives 1905 or 2454)
unless it ends a term: an evaluation valid until, an agreement in force until, a
commitment due on.  Two windows, then:

* ``event`` (the default): from :attr:`DatePolicy.earliest` to today plus
  :attr:`DatePolicy.future_years` (10): decisions, listings, registrations, the start of
  a term, and the ``as_of`` of a question;
* ``term``: from :attr:`DatePolicy.earliest` to today plus :data:`TERM_YEARS` (100): the
  end of a term.  Wide enough for "2099-12-31" as a far end; 9999-12-31 (which some
  systems write for "open-ended") is refused: leave the cell empty for that.

The bounds are settings (``CREDITKB_DATE_EARLIEST``, ``CREDITKB_DATE_FUTURE_YEARS``, read
by :class:`graph_model.settings.Settings`).

Examples
--------
>>> import datetime as dt
>>> policy = DatePolicy(today=dt.date(2026, 6, 1))
>>> policy.window("event")
DateWindow(earliest=datetime.date(1949, 10, 1), latest=datetime.date(2036, 6, 1))
>>> policy.window("event").problem(dt.date(1905, 7, 18))
'outside the plausible window 1949-10-01 to 2036-06-01'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["DatePolicy", "DateWindow", "EARLIEST", "FUTURE_YEARS", "TERM_YEARS", "WINDOWS"]

#: the founding of the People's Republic: no record creditkb keeps is older
EARLIEST = dt.date(1949, 10, 1)
#: years after today an event date may lie (a slip beyond that is caught)
FUTURE_YEARS = 10
#: years after today the end of a term may lie
TERM_YEARS = 100
WINDOWS = ("event", "term")


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateWindow:
    """The first and last plausible day, both included."""

    earliest: dt.date
    latest: dt.date

    @property
    def reason(self) -> str:
        """What is wrong with a day outside the window."""
        return f"outside the plausible window {self.earliest} to {self.latest}"

    def problem(self, day: dt.date) -> str | None:
        """Why ``day`` is not plausible, or None."""
        return None if self.earliest <= day <= self.latest else self.reason


@dataclass(frozen=True)
class DatePolicy:
    """The plausible windows (see the module docstring).

    Parameters
    ----------
    earliest : datetime.date
        The first plausible day of any date.
    future_years : int
        How many years after today an event date may lie.
    today : datetime.date, optional
        The day the windows are counted from (default: the day they are asked for).
    """

    earliest: dt.date = EARLIEST
    future_years: int = FUTURE_YEARS
    today: dt.date | None = None

    def __post_init__(self):
        if self.future_years < 0:
            raise ValueError(f"future_years must be 0 or more, not {self.future_years}")

    def window(self, kind: str = "event") -> DateWindow:
        """The window of an ``event`` date or of the ``term`` end of a term."""
        today = self.today or dt.date.today()
        if kind == "event":
            return DateWindow(self.earliest, _years_after(today, self.future_years))
        if kind == "term":
            return DateWindow(self.earliest, _years_after(today, max(TERM_YEARS, self.future_years)))
        raise ValueError(f"unknown date window {kind!r}; one of {', '.join(WINDOWS)}")
