"""The lifecycle of an objection (信用异议, 申诉; DOMAIN.md rule 21; #4, #9, #13, #16, #19).

An objection is a record about a record: filed against a penalty, evaluation, list entry,
point entry or commitment, by its subject or an agency on its behalf.  Its states and the
transitions allowed are data (``queries/data/objections.yaml``)::

    受理 (accepted) → 核查中 (under review) → 维持 / 更正 / 撤销
    受理 → 不予受理 (not accepted, with the reason)

Each transition is dated (``accepted_on``, ``review_on``, ``closed_on``) and made by the
handling agency, the record's own or one above it; the deadline (``due_on``) is set at
filing from the scheme's days (local defaults, marked so).  What a decision does to the
answers (a withdrawn record stops counting from the decision day, a corrected one is
replaced by its new version) is decided in one place, :mod:`queries.versions`.

This module holds what the writers (GraphQL, the CLI) need, as pure functions over the
port: the rows to write (:func:`filing_row`, :func:`transition`, :func:`correction_row`)
and the reads (:func:`objection_queue`, :func:`objection_stats`).  The writes themselves
go through the loaders' public write path, from the callers.

Examples
--------
>>> import datetime as dt
>>> from graph_model.store.port import Node
>>> o = Node("Objection:Y1", "Objection", {"status": "受理", "filed_on": "2026-05-02",
...          "accepted_on": "2026-05-02"})
>>> transition(o, "核查中", dt.date(2026, 5, 6))
{'status': '核查中', 'review_on': '2026-05-06'}
>>> transition(o, "更正", dt.date(2026, 6, 15), "评价分值计算有误")
{'status': '更正', 'closed_on': '2026-06-15', 'decision_reason': '评价分值计算有误'}
>>> transition(o, "不予受理", dt.date(2026, 5, 3))
Traceback (most recent call last):
...
queries.dates.InvalidInput: reason：作出不予受理决定须说明不予受理的理由
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from graph_model.i18n import message
from graph_model.schema import schema
from graph_model.store.port import Node, Store
from queries.access.ownership import owned_by
from queries.dates import InvalidInput, parse_as_of
from queries.rules.basis import Basis, parse_basis
from queries.rules.jurisdiction import check_region, find_all, inside, within
from queries.rules.rulefile import RuleFile, as_int, as_str_list, require
from queries.versions import (
    CONTESTABLE, CORRECTED, NOT_ACCEPTED, OPEN_STATUSES, STANDS, SUCCEEDED, WITHDRAWN,
    objection_window, stored_day,
)

__all__ = ["ObjectionRules", "objection_rules", "load_objection_rules", "STATUSES",
           "resolve_record", "deadline_for", "filing_row", "transition", "correction_row",
           "may_decide", "QueueItem", "QueuePage", "objection_queue", "ObjectionStats",
           "objection_stats", "notice_until"]

#: Every status, in lifecycle order.
STATUSES = (*OPEN_STATUSES, STANDS, CORRECTED, WITHDRAWN, NOT_ACCEPTED)
#: The date property each status is entered with.
_DATED = {"受理": "accepted_on", "核查中": "review_on"}


@dataclass(frozen=True)
class ObjectionRules:
    transitions: Mapping[str, tuple[str, ...]]
    default_days: int
    scheme_days: Mapping[str, int]
    label_days: Mapping[str, int]
    notice_list_kinds: tuple[str, ...]
    statement_days: int
    bases: Mapping[str, Basis]


def parse_objection_rules(doc: Mapping, where: str = "objections") -> ObjectionRules:
    t = doc.get("transitions")
    require(isinstance(t, Mapping), where, "transitions must be a mapping")
    bases = {"transitions": parse_basis(t.get("basis"), where, "transitions.basis")}
    transitions = {}
    for state, nxt in t.items():
        if state == "basis":
            continue
        require(state in STATUSES, where, f"transitions: unknown status {state!r}")
        transitions[state] = as_str_list(nxt, where, f"transitions.{state}", False)
        require(set(transitions[state]) <= set(STATUSES), where,
                f"transitions.{state}: statuses are {', '.join(STATUSES)}")
    d = doc.get("deadlines")
    require(isinstance(d, Mapping), where, "deadlines must be a mapping")
    bases["default_days"] = parse_basis(d.get("default_days_basis"), where, "deadlines.default_days_basis")
    schemes, labels = {}, {}
    for key, out, field in (("schemes", schemes, "scheme"), ("labels", labels, "label")):
        for i, row in enumerate(d.get(key) or []):
            here = f"deadlines.{key}[{i}]"
            require(isinstance(row, Mapping) and row.get(field), where, f"{here} needs a {field}")
            out[str(row[field])] = as_int(row.get("days"), where, f"{here}.days", 1)
            bases[f"{key}:{row[field]}"] = parse_basis(row.get("basis"), where, f"{here}.basis")
    require(set(labels) <= set(CONTESTABLE), where,
            f"deadlines.labels: objections contest {', '.join(CONTESTABLE)}")
    n = doc.get("notice")
    require(isinstance(n, Mapping), where, "notice must be a mapping")
    bases["notice"] = parse_basis(n.get("basis"), where, "notice.basis")
    bases["statement_days"] = parse_basis(n.get("statement_days_basis"), where,
                                          "notice.statement_days_basis")
    return ObjectionRules(transitions, as_int(d.get("default_days"), where, "deadlines.default_days", 1),
                          schemes, labels, as_str_list(n.get("list_kinds"), where, "notice.list_kinds", False),
                          as_int(n.get("statement_days"), where, "notice.statement_days", 1), bases)


#: The installed rules: ``objection_rules()``; ``load_objection_rules(path)`` reads another.
objection_rules: RuleFile[ObjectionRules] = RuleFile("objections.yaml", parse_objection_rules)
load_objection_rules = objection_rules.load


# -- filing -------------------------------------------------------------------------------

def resolve_record(store: Store, ref: str) -> Node | None:
    """The record an objection names: its uid (``Evaluation:…``) or its key as the agency
    names it (a decision number, an evaluation or list entry key, a point entry number),
    among the labels an objection may contest; None when none is stored."""
    ref = str(ref or "").strip()
    if not ref:
        return None
    label = ref.partition(":")[0]
    tries = [ref] if label in CONTESTABLE else []
    tries += [f"{lbl}:{ref}" for lbl in CONTESTABLE]
    found = store.get_nodes(tries)
    return next((found[u] for u in tries if u in found), None)


def deadline_for(record: Node, filed_on: dt.date, rules: ObjectionRules | None = None
                 ) -> tuple[dt.date, Basis]:
    """The day the decision is due, and the figure's basis: the record's scheme's days,
    else its label's, else the default."""
    rules = rules or objection_rules()
    scheme = str(record.props.get("scheme") or "")
    if scheme in rules.scheme_days:
        return filed_on + dt.timedelta(rules.scheme_days[scheme]), rules.bases[f"schemes:{scheme}"]
    if record.label in rules.label_days:
        return (filed_on + dt.timedelta(rules.label_days[record.label]),
                rules.bases[f"labels:{record.label}"])
    return filed_on + dt.timedelta(rules.default_days), rules.bases["default_days"]


def filing_row(record: Node, objection_no: str, filed_on, *, agency: str, agency_region: str,
               grounds: str | None = None, filed_by: str | None = None,
               attachments: Sequence[str] = (), rules: ObjectionRules | None = None
               ) -> dict[str, str]:
    """The ``objections`` row of a new objection against ``record``, accepted (受理) on the
    day it is filed, with its deadline; handled by ``agency`` of ``agency_region``."""
    day = parse_as_of(filed_on)
    subject = str(record.props.get("subject_uid") or "")
    label, _, code = subject.partition(":")
    if not code:
        raise InvalidInput(message("objection.error.no_subject", record=record.uid))
    due, _ = deadline_for(record, day, rules)
    row = {"objection_no": objection_no, "subject_kind": _subject_word(label),
           "subject_id": code, "record": record.key, "record_uid": record.uid,
           "filed_on": day.isoformat(), "grounds": grounds, "status": OPEN_STATUSES[0],
           "accepted_on": day.isoformat(), "due_on": due.isoformat(), "agency": agency,
           "agency_region": agency_region, "filed_by": filed_by,
           "attachments": ";".join(attachments) if attachments else None}
    return {k: v for k, v in row.items() if v not in (None, "")}


def _subject_word(label: str) -> str:
    words = {lbl: word for word, lbl in schema().subject_kinds.items()}
    if label not in words:
        raise InvalidInput(message("objection.error.subject_kind"))
    return words[label]


def _unknown_status(status: str) -> InvalidInput:
    return InvalidInput(message("objection.error.status_unknown", status=repr(status),
                                statuses=message("common.enumeration").join(STATUSES)))


# -- deciding -----------------------------------------------------------------------------

def transition(objection: Node, status: str, day, reason: str | None = None,
               rules: ObjectionRules | None = None) -> dict[str, str]:
    """The changes (property → value) that move ``objection`` to ``status`` on ``day``.

    Raises
    ------
    InvalidInput
        A move the lifecycle does not allow (from a closed objection, say), a day before
        the objection's last transition, or 不予受理 without a reason.
    """
    rules = rules or objection_rules()
    day = parse_as_of(day)
    if status not in STATUSES:
        raise _unknown_status(status)
    current = objection.props.get("status") or OPEN_STATUSES[0]
    if status not in rules.transitions.get(current, ()):
        allowed = (message("common.enumeration").join(rules.transitions.get(current, ()))
                   or message("objection.error.decided"))
        raise InvalidInput(message("objection.error.transition", current=current, status=status,
                                   allowed=allowed))
    last = max((d for p in ("filed_on", "accepted_on", "review_on")
                if (d := stored_day(objection.props.get(p))) is not None), default=None)
    if last is not None and day < last:
        raise InvalidInput(message("objection.error.before_last_step", day=day, last=last))
    if status == NOT_ACCEPTED and not (reason or "").strip():
        raise InvalidInput(message("objection.error.reason_needed"))
    out = {"status": status, _DATED.get(status, "closed_on"): day.isoformat()}
    if reason:
        out["decision_reason"] = reason.strip()
    return out


def correction_row(record: Node, changes: Mapping[str, Any], objection_no: str,
                   kind_columns: Sequence[str]) -> dict[str, str]:
    """The row (columns of the record's kind, ``kind_columns``) of the corrected version of
    ``record``: its own values, ``changes`` applied, naming the version it supersedes and
    the objection that made it.  A correction never changes who the record is about."""
    props = record.props
    subject = str(props.get("subject_uid") or "")
    label, _, code = subject.partition(":")
    if label == "Person":
        raise InvalidInput(message("objection.error.person_record"))
    bad = sorted(set(changes) - set(kind_columns)
                 | set(changes) & {"subject_kind", "subject_id", "supersedes", "objection_no"})
    if bad:
        raise InvalidInput(message("objection.error.not_correctable",
                                   fields=message("common.enumeration").join(bad)))
    row = {c: _cell(props[c]) for c in kind_columns if c in props and props[c] is not None}
    key = schema().label(record.label).key
    if key in kind_columns:
        row[key] = str(props.get(key) or record.key)  # a numbered record keeps its number
    row.update({"subject_kind": _subject_word(label), "subject_id": code,
                **{c: _cell(v) for c, v in changes.items()},
                "supersedes": record.uid, "objection_no": objection_no})
    return {c: v for c, v in row.items() if v not in (None, "")}


def _cell(value) -> str:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else str(value)
    return str(value)


def may_decide(objection: Node, agency: str, region: str) -> bool:
    """Whether a key of ``agency`` in ``region`` decides ``objection``: the handling agency
    itself, or an agency of a region above it (its superior)."""
    handled = str(objection.props.get("agency_region") or "")
    if owned_by(objection, agency, region):
        return True
    return handled != region and within(handled, region)


# -- the queue and the figures ------------------------------------------------------------

@dataclass(frozen=True)
class QueueItem:
    objection: Node
    due_on: dt.date | None
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    region: str
    as_of: dt.date
    items: tuple[QueueItem, ...]
    next_after: str | None  # the cursor of the next page; None: no more
    total: int


def objections_of_region(store: Store, region: str, status: Sequence[str] | None) -> list[Node]:
    where: dict = {"agency_region": sorted(inside(region))}
    if status:
        where["status"] = list(status)
    return find_all(store, "Objection", where)


def _cursor(n: Node) -> str:
    return f"{n.props.get('due_on') or '9999-12-31'}|{n.uid}"


def with_deadlines(store: Store, nodes: list[Node], rules: ObjectionRules | None = None
                   ) -> list[Node]:
    """``nodes`` with a deadline each: an objection loaded from an agency's export without
    one (办理期限) gets the rules' for its record (its scheme's, its label's or the
    default), as filing would have set it; one whose record is not stored, the default."""
    rules = rules or objection_rules()
    out = []
    for n in nodes:
        filed = stored_day(n.props.get("filed_on"))
        if n.props.get("due_on") or filed is None:
            out.append(n)
            continue
        record = resolve_record(store, n.props.get("record_uid") or n.props.get("record"))
        due = (deadline_for(record, filed, rules)[0] if record is not None
               else filed + dt.timedelta(rules.default_days))
        out.append(Node(n.uid, n.label, {**n.props, "due_on": due.isoformat()}))
    return out


def objection_queue(store: Store, region: str, as_of, status: Sequence[str] | None = None,
                    after: str | None = None, limit: int = 50) -> QueuePage:
    """The objections handled by the agencies of ``region`` (or inside it), oldest deadline
    first (then by number), ``status`` only when given (default: the open ones); each item
    says whether it is overdue on ``as_of``.  ``after``: the ``next_after`` of the page
    before."""
    region, day = check_region(region), parse_as_of(as_of)
    status = list(status) if status else list(OPEN_STATUSES)
    for s in status:
        if s not in STATUSES:
            raise _unknown_status(s)
    nodes = sorted(with_deadlines(store, list(objections_of_region(store, region, status))), key=_cursor)
    total = len(nodes)
    if after:
        nodes = [n for n in nodes if _cursor(n) > after]
    page = nodes[:limit]
    items = tuple(QueueItem(n, d, d is not None and d < day and n.props.get("status") in OPEN_STATUSES)
                  for n in page for d in [stored_day(n.props.get("due_on"))])
    return QueuePage(region, day, items, _cursor(page[-1]) if len(nodes) > limit else None, total)


@dataclass(frozen=True)
class ObjectionStats:
    """#13's figures for the objections filed in a window: filed, not accepted, upheld
    (维持: the record stands), corrected, withdrawn, succeeded (corrected + withdrawn, #13
    "异议申请成功"), still open, and the median days from filing to decision."""

    region: str
    date_from: dt.date
    date_to: dt.date
    filed: int
    not_accepted: int
    upheld: int
    corrected: int
    withdrawn: int
    open: int
    median_days_to_decide: float | None

    @property
    def succeeded(self) -> int:
        return self.corrected + self.withdrawn

    @property
    def success_rate(self) -> float | None:
        decided = self.upheld + self.succeeded
        return round(self.succeeded / decided, 4) if decided else None


def objection_stats(store: Store, region: str, date_from, date_to) -> ObjectionStats:
    """The figures of the objections handled in ``region`` filed from ``date_from`` to
    ``date_to`` (both included), each counted by its status as of today."""
    region, start, end = check_region(region), parse_as_of(date_from), parse_as_of(date_to)
    if end < start:
        raise InvalidInput(message("objection.error.period", end=end, start=start))
    counts = {s: 0 for s in STATUSES}
    days = []
    for n in objections_of_region(store, region, None):
        filed, closed, status = objection_window(n)
        if filed is None or not start <= filed <= end:
            continue
        counts[status if status in counts else OPEN_STATUSES[0]] += 1
        if closed is not None and status != NOT_ACCEPTED:
            days.append((closed - filed).days)
    return ObjectionStats(region, start, end, sum(counts.values()), counts[NOT_ACCEPTED],
                          counts[STANDS], counts[CORRECTED], counts[WITHDRAWN],
                          counts["受理"] + counts["核查中"],
                          statistics.median(days) if days else None)


def notice_until(listed_on, list_kind: str, rules: ObjectionRules | None = None) -> dt.date | None:
    """The last day of the statement period of a listing of ``list_kind`` notified on
    ``listed_on`` (#9), None when the kind is listed without notice."""
    rules = rules or objection_rules()
    if list_kind not in rules.notice_list_kinds:
        return None
    return parse_as_of(listed_on) + dt.timedelta(rules.statement_days)
