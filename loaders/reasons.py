"""A rejects report's reasons for people and for programs: each reason gets a
machine-readable ``reason_code`` and its sentence in the reader's language.

The checks word a reason in English, as before; the English entry of each ``reject.*``
message in the catalogue (graph_model/locale/) is that wording with ``{placeholders}``, so
it is both the English sentence and the pattern that recognises a reason.  A reason that
matches one gets the entry's name as its code (``reject.wrong_check_digit`` →
``wrong_check_digit``) and the sentence of the current language with the same values (a
value that is itself a reason, such as the resident ID's part of "neither a valid USCC
nor ...", is put into words too); any other reason keeps its text, with the code
``other``.  Adding a reason: give it a ``reject.<code>`` entry in both languages and name
it in :data:`REASONS`.

Examples
--------
>>> from graph_model.i18n import use_language
>>> with use_language("zh-CN"):
...     coded("wrong check digit (expected 7)"), coded("no such thing")
(('wrong_check_digit', '校验位错误（应为7）'), ('other', 'no such thing'))
>>> with use_language("en"):
...     coded("outside the plausible window 1949-10-01 to 2036-12-05")
('date_outside_window', 'outside the plausible window 1949-10-01 to 2036-12-05')
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from graph_model.i18n import catalogue, message

__all__ = ["REASONS", "OTHER", "coded", "localize"]

OTHER = "other"
#: The reasons the checks give, by msgid.
REASONS = (
    "reject.required_missing", "reject.required_missing_stand_in", "reject.not_in_value_set",
    "reject.not_a_number", "reject.not_a_count", "reject.not_a_date", "reject.not_a_datetime",
    "reject.date_outside_window", "reject.wrong_length", "reject.wrong_check_digit",
    "reject.wrong_check_character", "reject.unknown_province", "reject.unknown_region",
    "reject.unknown_region_uscc", "reject.uscc_digits", "reject.invalid_character",
    "reject.ric_form", "reject.imo_form", "reject.six_digits", "reject.vessel_form",
    "reject.subject_kind_unknown", "reject.subject_kind_wrong", "reject.named_enterprise_only",
    "reject.before_column", "reject.below_column", "reject.neither_uscc_nor_ric",
    "reject.no_firm_named", "reject.several_firms_named", "reject.unknown_region_code",
    "reject.plate_letter", "reject.plate_io", "reject.plate_length",
)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(msgid, regex of its English wording), the most specific (longest) first."""
    english = catalogue("en")
    out = []
    for msgid in REASONS:
        parts = re.split(r"\{(\w+)\}", english[msgid])
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                        for i, p in enumerate(parts))
        out.append((msgid, re.compile(regex + r"\Z", re.S)))
    return tuple(sorted(out, key=lambda p: -len(p[1].pattern)))


def coded(reason: str) -> tuple[str, str]:
    """(reason_code, the reason in the current language) of one English reason."""
    for msgid, pattern in _patterns():
        found = pattern.match(reason)
        if found:
            params = {k: coded(v)[1] for k, v in found.groupdict().items()}
            return msgid.partition(".")[2], message(msgid, **params)
    return OTHER, reason


def localize(rejects: pd.DataFrame) -> pd.DataFrame:
    """A rejects report with ``reason_code`` beside ``reason``, the reason in the current
    language (each distinct reason worked out once)."""
    pairs = {r: coded(str(r)) for r in rejects["reason"].dropna().unique()}
    where = rejects.columns.get_loc("reason")
    out = rejects.assign(reason=rejects["reason"].map(lambda r: pairs.get(r, (OTHER, r))[1]))
    out.insert(where, "reason_code", rejects["reason"].map(lambda r: pairs.get(r, (OTHER, r))[0]))
    return out
