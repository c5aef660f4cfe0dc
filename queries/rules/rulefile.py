"""Reading the rule data files of ``queries/data/`` (grade scales, measure catalogue, repair
catalogue, score scheme, inspection ratios).

Every file is YAML read by :mod:`graph_model.yamlfile`, which refuses duplicate mapping
keys.  Each module validates its own file once, when first used, and raises
:class:`DataFileError` naming the file and the problem.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from importlib import resources
from pathlib import Path
from typing import Callable, Generic, Iterator, Mapping, TypeVar

from graph_model import yamlfile
from graph_model.yamlfile import DataFileError

__all__ = ["DataFileError", "RuleFile", "read_yaml", "require", "as_str_list"]

T = TypeVar("T")


class RuleFile(Generic[T]):
    """A kind of rule data file and the parser that checks it.

    ``load(path)`` reads and checks a file of this kind (default: the installed
    ``queries/data/<name>``); calling the object gives the installed file's rules, read and
    checked once per process.

    Examples
    --------
    >>> scales = RuleFile("scales.yaml", lambda doc, where: sorted(doc))
    >>> scales()
    ['levels', 'schemes']
    """

    def __init__(self, name: str, parse: Callable[[Mapping, str], T]):
        self.name = name
        self.parse = parse
        self._installed: T | None = None

    def load(self, path: str | Path | None = None) -> T:
        """Read and check the file at ``path``, or the installed one."""
        doc, where = read_yaml(path, self.name)
        return self.parse(doc, where)

    def __call__(self) -> T:
        if self._installed is None:
            self._installed = self.load()
        return self._installed

    def __repr__(self) -> str:
        return f"<RuleFile queries/data/{self.name}>"


def read_yaml(path: str | Path | None, default_name: str) -> tuple[Mapping, str]:
    """Parse a rule data file: ``path`` if given, else ``queries/data/<default_name>``.

    Returns the document and a name for messages.  Raises :class:`DataFileError` for a
    missing file, a YAML syntax error, a duplicate key or a document that is not a mapping.
    """
    if path is None:
        where = f"queries/data/{default_name}"
        return yamlfile.read(resources.files("queries").joinpath("data", default_name), where), where
    return yamlfile.read(path), str(path)


def require(cond: bool, where: str, message: str) -> None:
    """Raise :class:`DataFileError` ``"<where>: <message>"`` unless ``cond``."""
    if not cond:
        raise DataFileError(where, message)


def coded_items(doc: Mapping, key: str, where: str, what: str,
                reserved: tuple[str, ...] = ()) -> Iterator[tuple[str, Mapping]]:
    """(code, item) of each item listed under ``key``, each checked to be a mapping with a
    ``code`` named once (and not one of ``reserved``); ``what`` names an item in messages."""
    seen: set[str] = set()
    for i, item in enumerate(doc.get(key) or []):
        require(isinstance(item, Mapping), where, f"{key}[{i}] must be a mapping")
        code = item.get("code")
        require(isinstance(code, str) and code != "" and code not in reserved, where,
                f"{key}[{i}] needs a code" + (f" (not {', '.join(map(repr, reserved))})"
                                               if reserved else ""))
        require(code not in seen, where, f"{what} {code!r} is listed twice")
        seen.add(code)
        yield code, item


def as_str_list(value, where: str, field: str, allow_empty: bool = True) -> tuple[str, ...]:
    """A list of non-empty strings (a single string is a one-item list)."""
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    require(isinstance(value, list), where, f"{field} must be a list of strings")
    out = []
    for item in value:
        require(isinstance(item, str) and item.strip() != "", where,
                f"{field} holds {item!r}, not a non-empty string")
        out.append(item.strip())
    require(allow_empty or bool(out), where, f"{field} must not be empty")
    require(len(set(out)) == len(out), where, f"{field} names an item twice: {out}")
    return tuple(out)


def as_int(value, where: str, field: str, minimum: int | None = None) -> int:
    require(isinstance(value, int) and not isinstance(value, bool), where,
            f"{field} must be an integer, not {value!r}")
    require(minimum is None or value >= minimum, where, f"{field} must be at least {minimum}")
    return value


def as_ratio(value, where: str, field: str) -> float:
    require(isinstance(value, (int, float)) and not isinstance(value, bool), where,
            f"{field} must be a number, not {value!r}")
    require(0.0 <= float(value) <= 1.0, where, f"{field} must be between 0 and 1, not {value}")
    return float(value)


@functools.lru_cache(maxsize=1 << 16)  # a load asks it twice per repair row, of a few thousand days
def months_after(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months; the 31st becomes the month's last day.

    >>> months_after(dt.date(2024, 2, 29), 12)
    datetime.date(2025, 2, 28)
    >>> months_after(dt.date(2023, 11, 30), 3)
    datetime.date(2024, 2, 29)
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))
