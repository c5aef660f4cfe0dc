"""Incentive lists and what ends their effects (DOMAIN.md rule 16; case #18).

#18 "“绿色快航”船舶发生违法行为、安检滞留等失信行为一律退出激励名单": any violation or
detention, not only a serious one, takes a ship off the green fast lane from that day.  The
list kinds this holds for are those of the ``incentive_exit`` trigger of
``queries/data/discipline.yaml`` (守信激励).  An entry of such a list is in effect from its
``listed_on`` until the earlier of its ``removed_on`` and the first ending event on or
after the day it was listed (:func:`incentive_end`).

:func:`incentive_ending_events` is the one place that says which events end incentive
effects; the watchlists (:mod:`queries.rules.watchlist`) and joint discipline
(:mod:`queries.rules.discipline`) both read it.  Which events those are is data:
``incentive_exits`` of ``queries/data/events.yaml`` (:mod:`queries.rules.events`): a
penalty, a violation found in an inspection, a detention (安检滞留) and an accident with a
level and a share of liability.

Examples
--------
On the demo data, the container ship 江海通达6 joined the green fast lane on 2024-07-01 and
was penalised for crossing the channel against the rules on 2026-05-10::

    >>> events = incentive_ending_events(store.records_about(
    ...     ["Vessel:CN20170912453"], list(ENDING_LABELS))["Vessel:CN20170912453"])
    >>> [(str(e.day), e.what) for e in events]
    [('2026-05-10', '行政处罚 太仓海事罚〔2026〕0000118号: 集装箱船舶违规横越航道')]

江海通达9 was detained at 太仓港 on 2026-08-18 ("安检滞留等失信行为一律退出激励名单")::

    >>> [(str(e.day), e.kind, e.what) for e in incentive_ending_events(store.records_about(
    ...     ["Vessel:CN20190318822"], list(ENDING_LABELS))["Vessel:CN20190318822"])]
    [('2026-08-18', 'detention', '船舶安全检查 太仓海安检〔2026〕0207号: 滞留 (缺陷 5)')]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from graph_model.store.port import Node
from queries.rules.events import event_rules, events_of

__all__ = ["ENDING_LABELS", "EndingEvent", "incentive_ending_events", "incentive_end"]

#: The record labels whose records may end incentive effects (what
#: :func:`incentive_ending_events` reads), from ``events.yaml`` ``incentive_exits``.
ENDING_LABELS = event_rules().labels(event_rules().incentive_exits)


@dataclass(frozen=True)
class EndingEvent:
    """An event that ends incentive-list effects from its day."""

    day: dt.date
    record: str  # uid of the record that tells it
    label: str
    what: str
    agency: str | None
    agency_region: str | None
    kind: str = "violation"  # the event kind of events.yaml


def incentive_ending_events(records: Iterable[Node]) -> list[EndingEvent]:
    """The events among a subject's records that end its incentive-list effects, by day.

    Every administrative penalty that is not revoked, ordinary ones included (#18:
    "发生违法行为 … 一律退出激励名单"), a violation found or a detention (安检滞留) at an
    inspection, and an accident with a level and liability found: the event kinds of
    ``events.yaml`` ``incentive_exits`` (their records are fetched by :data:`ENDING_LABELS`).
    """
    rules = event_rules()
    return [EndingEvent(e.day, e.record, e.label, e.what, e.agency, e.agency_region, e.kind)
            for e in events_of(records, rules.incentive_exits, rules)]


def incentive_end(listed_on: dt.date, removed_on: dt.date | None,
                  events: Sequence[EndingEvent]) -> EndingEvent | None:
    """The first event (``events`` sorted by day) that ends an entry listed on
    ``listed_on`` before its removal; None when none does."""
    for e in events:
        if e.day >= listed_on and (removed_on is None or e.day < removed_on):
            return e
    return None
