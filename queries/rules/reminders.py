"""Repair reminders and fine-payment checks (DOMAIN.md rules 8, 17, 18; cases #2, #3, #12).

A region reminds the subjects *registered in it* of every penalty, decided anywhere, whose
minimum publication period is over and that is not repaired (#2: "在全国范围内被处罚和处罚
信息已经达到最短公示期（3个月）的天津企业，将会接收到消息通知"), with the repair mode the
violation calls for and what to submit (``queries/data/reminders.yaml``).  A reminder is
recorded when it is issued (a ``Reminder`` record, written through the loaders' public
write path by ``creditkb reminders issue`` and the ``issueReminders`` mutation), keyed by
penalty, region and the end of the minimum period, so a second run does not repeat it.

:func:`payment_check` is the check of a repair claim against the fine payments on record
(#2: data instead of vouchers): ``PAID``, ``NOT_PAID``, ``AMOUNT_DIFFERS`` or ``NO_FINE``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Mapping

from graph_model.gcpause import gc_paused
from graph_model.schema import schema
from graph_model.store.port import Node, Store
from queries.dates import parse_as_of
from queries.rules.basis import Basis, parse_basis
from queries.rules.jurisdiction import check_region, find_by_values, record_date
from queries.rules.repair import RepairCandidate, home_repairable, repair_catalogue
from queries.rules.rulefile import RuleFile, require

__all__ = ["ReminderRules", "reminder_rules", "Reminder", "RepairReminders", "repair_reminders",
           "reminder_rows", "PaymentCheck", "payment_check", "payment_checks", "PAID",
           "NOT_PAID", "AMOUNT_DIFFERS", "NO_FINE"]

PAID, NOT_PAID, AMOUNT_DIFFERS, NO_FINE = "PAID", "NOT_PAID", "AMOUNT_DIFFERS", "NO_FINE"


@dataclass(frozen=True)
class ReminderRules:
    submit: Mapping[str, str]  # repair mode -> what to submit
    fine_note: str
    bases: Mapping[str, Basis]


def parse_reminder_rules(doc: Mapping, where: str = "reminders") -> ReminderRules:
    raw = doc.get("submit")
    require(isinstance(raw, Mapping) and raw, where, "submit must map repair modes to what to submit")
    modes = repair_catalogue().modes
    submit, bases = {}, {}
    for mode, spec in raw.items():
        require(mode in modes, where, f"submit.{mode}: not a repair mode of repair.yaml")
        require(isinstance(spec, Mapping) and spec.get("text"), where, f"submit.{mode} needs a text")
        submit[str(mode)] = str(spec["text"])
        bases[f"submit.{mode}"] = parse_basis(spec.get("basis"), where, f"submit.{mode}.basis")
    require(set(submit) == set(modes), where, f"submit must name every repair mode: {', '.join(modes)}")
    fine = doc.get("fine") or {}
    bases["fine"] = parse_basis(fine.get("basis"), where, "fine.basis")
    bases["home"] = parse_basis((doc.get("home") or {}).get("basis"), where, "home.basis")
    return ReminderRules(submit, str(fine.get("text", "")), bases)


#: The installed reminder rules: ``reminder_rules()``.
reminder_rules: RuleFile[ReminderRules] = RuleFile("reminders.yaml", parse_reminder_rules)


# -- fine payments (#2) -----------------------------------------------------------------

@dataclass(frozen=True)
class PaymentCheck:
    """A penalty's fine against the payments on record up to ``as_of``."""

    decision_no: str
    fine: float | None
    paid: float
    payments: int
    status: str  # PAID, NOT_PAID, AMOUNT_DIFFERS or NO_FINE

    @property
    def outstanding(self) -> float:
        return max(0.0, (self.fine or 0.0) - self.paid)


def payment_checks(store: Store, decision_nos, as_of=None,
                   penalties: Mapping[str, Node] | None = None) -> dict[str, PaymentCheck]:
    """:func:`payment_check` of each decision number stored as a penalty; ``penalties``:
    Penalty nodes by uid the caller has read already (those not in it are read)."""
    day = parse_as_of(as_of) if as_of is not None else None
    numbers = sorted({str(d).strip() for d in decision_nos if d})
    uids = [f"Penalty:{d}" for d in numbers]
    known = penalties or {}
    pens = {u: known[u] for u in uids if u in known}
    pens.update(store.get_nodes([u for u in uids if u not in known]))
    paid_by: dict[str, list[Node]] = {}
    if "FinePayment" in schema().labels:
        # every decision's payments in a few reads (uid order within a decision)
        for p in find_by_values(store, "FinePayment", "decision_no", sorted(n.key for n in pens.values())):
            paid_by.setdefault(p.props["decision_no"], []).append(p)
    out = {}
    for uid, node in pens.items():
        dno = node.key
        fine = node.props.get("fine")
        fine = float(fine) if fine not in (None, "") else None
        paid, count = 0.0, 0
        for p in paid_by.get(dno, ()):
            if day is None or record_date(p, "paid_on") <= day:
                paid += float(p.props.get("amount") or 0)
                count += 1
        if not fine:
            status = NO_FINE
        elif count == 0:
            status = NOT_PAID
        elif abs(paid - fine) < 0.005:
            status = PAID
        else:
            status = AMOUNT_DIFFERS
        out[dno] = PaymentCheck(dno, fine, round(paid, 2), count, status)
    return out


def payment_check(store: Store, decision_no: str, as_of=None) -> PaymentCheck | None:
    """Whether the fine of ``decision_no`` is paid, by the payments on record (up to
    ``as_of`` when given); None when no such penalty is stored.

    Examples
    --------
    On the demo data: 2,000 of Changzhou's 3,000 yuan are paid; Wuxi's 5,000 in full::

        >>> c = payment_check(store, "常州交罚〔2025〕0000150号")
        >>> c.status, c.fine, c.paid, c.outstanding
        ('AMOUNT_DIFFERS', 3000.0, 2000.0, 1000.0)
        >>> payment_check(store, "无锡交罚〔2023〕0000456号").status
        'PAID'
        >>> payment_check(store, "无锡交罚〔2023〕0000456号", "2023-06-29").status
        'NOT_PAID'
    """
    return payment_checks(store, [decision_no], as_of).get(str(decision_no).strip())


# -- reminders --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """A reminder a region owes (or issued) a subject registered there."""

    candidate: RepairCandidate
    submit: str
    payment: PaymentCheck | None
    issued_on: dt.date | None  # None: not issued yet


@dataclass(frozen=True)
class RepairReminders:
    region: str
    as_of: dt.date
    reminders: tuple[Reminder, ...]  # in penalty-uid order
    per_period: tuple[tuple[str, int], ...]  # (YYYY-MM of the minimum period's end, count)

    @property
    def to_issue(self) -> tuple[Reminder, ...]:
        return tuple(r for r in self.reminders if r.issued_on is None)


def _issued(store: Store, keys) -> dict[str, dt.date]:
    if "Reminder" not in schema().labels or not keys:
        return {}
    found = store.get_nodes([f"Reminder:{k}" for k in keys])
    return {n.key: record_date(n, "issued_on") for n in found.values()}


def repair_reminders(store: Store, region: str, as_of) -> RepairReminders:
    """The repair reminders ``region`` owes on ``as_of``: for each subject registered in it,
    each penalty decided anywhere whose minimum publication period is over and that is not
    repaired, with the repair mode, what to submit, the fine's payment check and the day
    it was issued (None: not yet).  ``per_period`` counts them by the month the minimum
    period ended (#2: "对1202家企业进行9170次信用修复提醒").

    Examples
    --------
    On the demo data, Suzhou is reminded of its taxi fined in Wuxi (rule 18, HOME)::

        >>> r = repair_reminders(store, "320500", "2024-06-01")
        >>> [(x.candidate.penalty.decision_no, x.candidate.routed_by, x.candidate.mode,
        ...   x.issued_on) for x in r.reminders]
        [('无锡交罚〔2024〕0000233号', 'HOME', '承诺', None)]
        >>> r.reminders[0].submit, r.per_period
        ('信用修复申请书、信用修复承诺书', (('2024-04', 1),))
    """
    rules = reminder_rules()
    day = parse_as_of(as_of)
    region = check_region(region)
    with gc_paused():  # ~10^5 rows decoded and kept at once (graph_model.gcpause)
        read: dict[str, Node] = {}
        found = home_repairable(store, region, day, read=read)
        keys = [f"{c.penalty.decision_no}|{region}|{c.minimum_end}" for c in found]
        issued = _issued(store, keys)
        payments = payment_checks(store, [c.penalty.decision_no for c in found], day, read)
        reminders = tuple(
            Reminder(c, rules.submit.get(c.mode, ""), payments.get(c.penalty.decision_no),
                     issued.get(k)) for c, k in zip(found, keys))
        # the penalties' nodes go before the collector comes back and walks what is left
        read.clear()
    counts: Counter = Counter()
    for end, n in Counter(c.minimum_end for c in found).items():  # days first: few
        counts[str(end)[:7]] += n
    return RepairReminders(region, day, reminders, tuple(sorted(counts.items())))


def reminder_rows(reminders: RepairReminders) -> list[dict]:
    """The rows (``reminders`` kind of loaders/kinds.yaml) recording the reminders not
    issued yet as issued on ``reminders.as_of``."""
    return [{"decision_no": r.candidate.penalty.decision_no, "subject_uid": r.candidate.penalty.subject,
             "region": reminders.region, "minimum_end": str(r.candidate.minimum_end),
             "issued_on": str(reminders.as_of), "routed_by": r.candidate.routed_by,
             "mode": r.candidate.mode, "submit": r.submit} for r in reminders.to_issue]
