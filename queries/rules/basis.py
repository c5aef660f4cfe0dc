"""Where a rule comes from: every measure, effect and figure of the rule data files carries a
*basis* (DOMAIN.md rule 24).

A basis is one of

* a **case**: its number in the nineteen cases of 2024 (``#N``) and the Chinese words it
  follows, quoted as the case writes them (``{case: 3, quote: "四市对重点监管对象平均增加了
  25% 的日常检查频次"}``);
* a **national rule**: the rule's name (``{national: 《失信行为纠正后的信用信息修复管理办法
  （试行）》}``), with a case quote when a case names it;
* a **local default**: a value the cases do not give, which a user is expected to set
  (``{local_default: true, note: "..."}``).

The tests check that every quote is found, word for word (white space aside), in the case
it names.

Examples
--------
>>> b = parse_basis({"case": 3, "quote": "四市对重点监管对象平均增加了 25% 的日常检查频次"}, "x", "basis")
>>> b.kind, b.text()  # in the current language (graph_model.i18n): Chinese unless asked
('CASE', '案例#3：“四市对重点监管对象平均增加了 25% 的日常检查频次”')
>>> from graph_model.i18n import use_language
>>> with use_language("en"):
...     parse_basis({"local_default": True, "note": "set your own"}, "x", "basis").text()
'local default: set your own'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from graph_model.i18n import message
from queries.rules.rulefile import require

__all__ = ["Basis", "parse_basis", "CASES"]

#: The cases are numbered 1 to 19 (``000_88026755322b26ed.txt``).
CASES = range(1, 20)
_KEYS = {"case", "quote", "national", "local_default", "note"}


@dataclass(frozen=True)
class Basis:
    """The source of a rule: a case quote, a national rule, or a local default."""

    case: int | None = None
    quote: str | None = None
    national: str | None = None
    local_default: bool = False
    note: str | None = None

    @property
    def kind(self) -> str:
        """``CASE``, ``NATIONAL`` or ``LOCAL_DEFAULT``."""
        if self.local_default:
            return "LOCAL_DEFAULT"
        return "NATIONAL" if self.national else "CASE"

    def text(self) -> str:
        """One line for people, in the current language (the note stays as written)."""
        if self.local_default:
            return message("basis.local_default", note=self.note)
        parts = []
        if self.national:
            parts.append(message("basis.national", national=self.national))
        if self.case is not None:
            parts.append(message("basis.case", case=str(self.case), quote=self.quote))
        if self.note and not self.case:
            parts.append(self.note)
        return message("common.list_separator").join(parts)


def parse_basis(value, where: str, field: str) -> Basis:
    """A :class:`Basis` from its mapping; :class:`~queries.rules.rulefile.DataFileError`
    names ``field`` when it is missing or malformed."""
    require(isinstance(value, Mapping), where,
            f"{field}: every rule needs a basis: a case and its quote, a national rule, or "
            f"local_default: true with a note")
    unknown = sorted(set(value) - _KEYS)
    require(not unknown, where, f"{field}: unknown keys {unknown}")
    case, quote, national = value.get("case"), value.get("quote"), value.get("national")
    local, note = value.get("local_default", False), value.get("note")
    require(isinstance(local, bool), where, f"{field}.local_default must be true or false")
    if local:
        require(isinstance(note, str) and note.strip() != "", where,
                f"{field}: a local default needs a note saying what a user sets")
        require(case is None and national is None, where,
                f"{field}: a local default cites no case or national rule")
        return Basis(local_default=True, note=note.strip())
    require(case is not None or national is not None, where,
            f"{field}: name a case (with its quote), a national rule, or mark a local default")
    if case is not None:
        require(isinstance(case, int) and not isinstance(case, bool) and case in CASES, where,
                f"{field}.case must be a case number from 1 to 19, not {case!r}")
        require(isinstance(quote, str) and quote.strip() != "", where,
                f"{field}: case #{case} needs the words quoted (quote)")
    if national is not None:
        require(isinstance(national, str) and national.strip() != "", where,
                f"{field}.national must name the rule")
    require(quote is None or case is not None, where, f"{field}: a quote needs its case")
    return Basis(case, quote.strip() if quote else None,
                 national.strip() if national else None, False,
                 note.strip() if isinstance(note, str) and note.strip() else None)
