"""The rules' answers in words, in the current language (:mod:`graph_model.i18n`): regions as
a regulator names them, validity periods, and the names and explanations of joint
discipline (联合惩戒: measures, triggers, propagation rules).

The rule data (``discipline.yaml``) names its measures, triggers and propagation rules in
Chinese, as the cases do; the catalogue holds each name in both languages under
``discipline.measure.<code>``, ``discipline.trigger.<code>`` and ``discipline.rule.<code>``
(its Chinese entry is the data's name: ``tests/unit/test_i18n.py`` checks they agree).

Examples
--------
>>> from graph_model.i18n import use_language
>>> with use_language("zh-CN"):
...     region("320500"), regions(("320500", "100000"))
('苏州市（320500）', '苏州市（320500）、全国')
>>> with use_language("en"):
...     region("320500"), name("measure", "bidding_limit")
('苏州市 (320500)', 'barred from bidding and tendering')
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from graph_model.i18n import message
from graph_model.regions import NATIONAL, name_of

__all__ = ["region", "regions", "validity", "name", "explain_measure", "explain_lead"]


def region(code: str | None) -> str:
    """A region as a regulator names it: 苏州市（320500）; 100000 is the whole country."""
    if code == NATIONAL:
        return message("common.nationwide")
    found = name_of(code) if code else None
    return message("common.region", name=found, code=code) if found else (code or "")


def regions(codes: Iterable[str]) -> str:
    return message("common.enumeration").join(region(c) for c in codes)


def validity(start: dt.date, end: dt.date | None) -> str:
    if end is None:
        return message("common.valid_open", start=start)
    return message("common.valid_between", start=start, end=end)


def name(kind: str, code: str) -> str:
    """The name of a discipline ``measure``, ``trigger`` or ``rule`` (propagation rule;
    ``self`` for the subject itself) in the current language."""
    return message(f"discipline.{kind}.{code}")


def _trigger(t) -> dict:
    return dict(trigger=name("trigger", t.kind), agency=t.agency or region(t.region),
                since=t.since)


def explain_measure(m) -> str:
    """One sentence for an applied measure (:class:`~queries.rules.discipline.engine.
    AppliedMeasure`): what, on whom, because of which record, where."""
    params = dict(measure=name("measure", m.measure.code), regions=regions(m.applies_in),
                  **_trigger(m.trigger))
    if m.rule == "self":
        return message("discipline.explain.self", **params)
    return message("discipline.explain.related", rule=name("rule", m.rule), **params)


def explain_lead(lead) -> str:
    """One sentence for an investigation lead (rule 15): related, no measure."""
    return message("discipline.explain.lead", rule=name("rule", lead.rule), **_trigger(lead.trigger))
