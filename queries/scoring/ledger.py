"""The ledger of a subject under a scoring scheme on a day: every entry that counts or no
longer counts, each with its source record, and the score and grade they give.

Entries are the point entries loaded for the scheme (计分明细: a behaviour code, points and
validity as the agency recorded them) and the entries the scheme's indicators derive from
other records (a penalty, a breached commitment, an accident, an inspection, a list entry,
an alarm), each counting from its record's date for the indicator's validity period.  A
penalty also stops counting when it is repaired or its publication ends, and a revoked one
never counts (queries.rules.repair); a list entry stops counting when removed.

The score is the *base* plus the points of every entry that counts: the base is the
scheme's start points (#13: 400), or those of an initial-grade commitment (#1: 中 lifted to
良), or the weighted score of the subject's evaluators (#11, queries.scoring.evaluators).
A portrait (#15) scores each dimension from full marks and weighs the dimensions.  The
grade is the score's band; then a veto sets a grade directly for its months (#11: a
liability accident, C or D) and a used-up bid quota scores AA and A as B (#11), the worst
of them winning.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import attrgetter
from typing import Any, Callable, Iterable, Sequence

from graph_model.i18n import message
from graph_model.store.port import Node, Store
from queries.dates import InvalidInput, parse_as_of, parse_date
from queries.rules.jurisdiction import check_subject
from queries.rules.repair import penalty_states
from queries.rules.rulefile import months_after
from queries.scoring.evaluators import EvaluatorScore, weigh
from queries.scoring.schemes import RECORD_DATES, Indicator, Scheme
from queries.traverse import edge_valid_on
from queries.versions import counted_by_subject

__all__ = ["Entry", "GradeRule", "DimensionScore", "ScoreResult", "Context", "ENTRY_PROPS",
           "ASKED_LABELS", "asked_props", "gather", "ledger", "ONE_DAY"]

ONE_DAY = dt.timedelta(days=1)
#: A gather's reads run at once in a pool of this many threads (each with its own
#: connection to an embedded store), each group's uids in up to READ_PARTS parts of
#: PART_UIDS or more.
READ_THREADS, READ_PARTS, PART_UIDS = 8, 4, 8
_READS = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="creditkb-ledger")


@dataclass(frozen=True, init=False)
class Entry:
    """A point entry, loaded or derived, and whether it counts on the day asked."""

    record: str  # the source record's uid
    label: str
    about: str  # the subject the record is about: the scored one, or its vehicle or driver
    indicator: str  # its indicator's code; "" for a loaded behaviour in no indicator
    name: str
    category: str
    points: float  # what it moves the score by (shared out per vehicle or driver)
    since: dt.date
    until: dt.date | None  # the first day it no longer counts; None: never ends
    counts: bool
    reason: str

    def __init__(self, record: str, label: str, about: str, indicator: str, name: str,
                 category: str, points: float, since: dt.date, until: dt.date | None,
                 counts: bool, reason: str) -> None:
        # (frozen's own __init__ sets each field through object.__setattr__: 1.4 us an
        # entry against 0.6, and a fleet's ledger makes thousands)
        self.__dict__.update(record=record, label=label, about=about, indicator=indicator,
                             name=name, category=category, points=points, since=since,
                             until=until, counts=counts, reason=reason)


@dataclass(frozen=True)
class GradeRule:
    """A rule that set the start or the grade, with the record behind it."""

    rule: str  # "start_commitment", "veto:<code>", "quota"
    grade: str | None
    record: str | None
    reason: str


@dataclass(frozen=True)
class DimensionScore:
    """A portrait's dimension (#15): full marks less the points of its entries."""

    code: str
    name: str
    weight: float
    score: float
    points: float
    entries: int


@dataclass(frozen=True)
class ScoreResult:
    subject: str
    scheme: str  # the scheme's code
    version: str
    scale: str  # the evaluation scheme the grade is on
    as_of: dt.date
    score: float | None  # None: nothing to score from (an evaluated scheme without reviews)
    grade: str | None
    band_grade: str | None  # the score's band, before vetoes and quotas
    base: float | None
    base_reason: str
    entries: tuple[Entry, ...]  # those that count, oldest first
    expired: tuple[Entry, ...]  # those that no longer count, with the reason
    rules: tuple[GradeRule, ...] = ()
    evaluators: EvaluatorScore | None = None
    dimensions: tuple[DimensionScore, ...] = ()
    vehicles: int = 0
    drivers: int = 0

    @property
    def records(self) -> tuple[str, ...]:
        """Every record that moved the score or set the grade."""
        recs = [e.record for e in self.entries] + [r.record for r in self.rules if r.record]
        if self.evaluators:
            recs += [r.record for r in self.evaluators.reviews]
        return tuple(dict.fromkeys(recs))


@dataclass
class Context:
    """What one subject's ledger reads: its records and its fleet's, fetched in one go
    (several subjects at once for a scheme run)."""

    records: dict[str, list[Node]]  # by subject uid
    vehicles: dict[str, list[str]] = field(default_factory=dict)  # firm -> vehicle uids
    drivers: dict[str, list[str]] = field(default_factory=dict)  # firm -> person uids
    penalties: dict = field(default_factory=dict)  # penalty uid -> PenaltyState


def _fleet(store: Store, firms: Sequence[str], day: dt.date) -> tuple[dict, dict]:
    """Each firm's vehicles (owned on ``day``) and drivers (employed on ``day``, role
    驾驶员 or none given)."""
    vehicles: dict[str, list[str]] = {f: [] for f in firms}
    staff: dict[str, list[str]] = {f: [] for f in firms}
    hood = store.neighbours(list(firms), rel_types=["OWNS", "EMPLOYED_BY"])
    people = set()
    for e in hood.edges:
        if not edge_valid_on(e, day):
            continue
        if e.type == "OWNS" and e.src in vehicles and e.dst.startswith("Vehicle:"):
            vehicles[e.src].append(e.dst)
        elif e.type == "EMPLOYED_BY" and e.dst in staff:
            staff[e.dst].append(e.src)
            people.add(e.src)
    roles = {u: n.props.get("role") for u, n in store.get_nodes(sorted(people)).items()}
    drivers = {f: sorted({p for p in ps if roles.get(p) in (None, "", "驾驶员")})
               for f, ps in staff.items()}
    return {f: sorted(set(v)) for f, v in vehicles.items()}, drivers


#: The properties of a point entry a ledger reads (entries_of, _entry, _end, _make; the
#: versions' supersedes and objection_no): the store is asked for these alone.
ENTRY_PROPS = ("scheme", "behaviour", "description", "points", "occurred_on", "valid_to",
               "supersedes", "objection_no")


#: The record labels a ledger asks only for what it reads of (asked_props): a monitoring
#: alarm's date and what the scheme's matches test.  An alarm is read by no other part of
#: a ledger (no version, objection, repair or description of one is read: alarms are not
#: contestable, and only an indicator or a veto takes one).  The embedded store then reads
#: a fleet's alarms from its ABOUT index, never their rows.
ASKED_LABELS = ("MonitoringAlarm",)


def asked_props(scheme: Scheme) -> dict[str, tuple[str, ...]]:
    """The properties a ledger of ``scheme`` reads of a record of each of
    :data:`ASKED_LABELS` (``Store.records_matching``'s ``props``): its date and every
    property an indicator's or veto's match of its label tests."""
    out: dict[str, tuple[str, ...]] = {}
    for label in ASKED_LABELS:
        names = [RECORD_DATES[label]]
        for m in [i.match for i in scheme.indicators] + [v.match for v in scheme.vetoes]:
            if m.record == label:
                names += sorted(m.record_match().props())
        out[label] = tuple(dict.fromkeys(names))
    return out


def gather(store: Store, scheme: Scheme, subjects: Sequence[str], day: dt.date,
           first: dt.date | None = None, counting_only: bool = False) -> Context:
    """The records ``scheme`` reads about ``subjects`` (and their fleets, when an
    indicator reads those), in as few store calls as the port allows, for ledgers of the
    days ``first`` (default ``day``) to ``day``.  Repairs are looked up only for the
    penalties an indicator could count in those days (a repair only ends one sooner).

    Point entries are read by the store's filter: the scheme's own, none after ``day``
    (a ledger leaves those out), and with ``counting_only`` (for a caller that uses only
    the entries that count, not the expired ones: a scheme run, a history) none whose
    validity ended before ``first``."""
    fleet = any(i.over != "self" for i in scheme.indicators)
    firms = [s for s in subjects if s.startswith("Enterprise:")] if fleet else []
    vehicles, drivers = _fleet(store, firms, day) if firms else ({}, {})
    roles: dict[str, set[str]] = {}
    for how, uids in (("self", subjects), ("vehicles", [u for v in vehicles.values() for u in v]),
                      ("drivers", [u for d in drivers.values() for u in d])):
        for u in uids:
            roles.setdefault(u, set()).add(how)
    wanted = list(roles)
    # A veto reading point entries would see every scheme's: then they are read as records.
    filtered = "PointEntry" in scheme.labels() and not any(v.match.record == "PointEntry"
                                                           for v in scheme.vetoes)
    # Each uid's records that an indicator (or for the subject itself, a veto, a review or
    # a start commitment) may take as what the uid is to the subject: the store leaves the
    # others out (most of a fleet's monitoring alarms), and the ledger matches the rest.
    groups: dict[frozenset, list[str]] = {}
    for u, how in roles.items():
        groups.setdefault(frozenset(how), []).append(u)
    props = asked_props(scheme)
    # The reads below are independent, and read cold each waits on a page at a time (a
    # fleet's: an index seek or two per vehicle): run at once, in parts of a few uids,
    # their waits overlap.  Each part is about other uids, so their answers merge as one.
    reads = []
    for how, uids in groups.items():
        tests = scheme.record_tests(how)
        if not filtered and "PointEntry" in scheme.labels():
            tests["PointEntry"] = None
        if tests:
            reads += [partial(store.records_matching, part, tests, props)
                      for part in _parts(uids)]
    entries = [partial(store.point_entries_about, part, scheme.entry_schemes,
                       occurred_by=day, valid_on=(first or day) if counting_only else None,
                       props=ENTRY_PROPS) for part in _parts(wanted)] if filtered else []
    answers = _at_once([*reads, *entries])
    about: dict[str, list[Node]] = {}
    for found in answers[:len(reads)]:
        about.update(found)
    for found in answers[len(reads):]:
        for subject, nodes in found.items():
            about[subject] = sorted([*about.get(subject, ()), *nodes], key=attrgetter("uid"))
    # The repairs of the penalties that may count are read while the versions are: of
    # every such record, as some version may not count on ``day`` (a state is by uid, and
    # a ledger reads only those of the versions that count).
    taking = _Taking([i for i in scheme.indicators if i.match.record == "Penalty"])
    penalties = [n for recs in about.values() for n in recs
                 if n.label == "Penalty" and _may_count(taking, n, first or day)]
    states = _read(penalty_states, store, penalties, day) if penalties else None
    # the versions of ``day`` (rule 21): a ledger over earlier days reads them too; their
    # objections (a seek a name, a fleet's thousands) in parts at once, as the reads above,
    # and once this process keeps the names objections give, only of those
    try:
        records = counted_by_subject(store, about, day, _read_all, READ_PARTS, contested=True)
    finally:
        if states is not None:
            wait([states])
    return Context(records, vehicles, drivers, states.result() if states is not None else {})


def _read(fn, *args, **kwargs) -> Future:
    """``fn(*args, **kwargs)`` in the pool of gather's reads, in the caller's context: its
    language (graph_model.i18n) words what the read says (a refused repair's reasons)."""
    return _READS.submit(contextvars.copy_context().run, fn, *args, **kwargs)


def _read_all(fn, groups: Sequence) -> list:
    """``fn`` of each of ``groups`` at once (:func:`_at_once`), the answers in their
    order."""
    return _at_once([partial(fn, group) for group in groups])


def _at_once(calls: Sequence[Callable[[], Any]]) -> list:
    """Each of ``calls`` at once, the answers in their order (all ended first, also when
    one failed: none reads on after): all but the last in the pool of gather's reads
    (:func:`_read`), the last in the caller's thread, which would only wait for them.
    Warm, each read handed to the pool costs more than many a read itself."""
    if not calls:
        return []
    reads = [_read(call) for call in calls[:-1]]
    try:
        last = calls[-1]()
    finally:
        wait(reads)
    return [read.result() for read in reads] + [last]


def _parts(uids: Sequence[str]) -> list[Sequence[str]]:
    """``uids`` in at most :data:`READ_PARTS` parts of :data:`PART_UIDS` or more, read at
    once (gather)."""
    size = max(PART_UIDS, -(-len(uids) // READ_PARTS))
    return [uids[i:i + size] for i in range(0, len(uids), size)]


def _may_count(taking: _Taking, node: Node, first: dt.date) -> bool:
    """Whether an indicator could count the penalty ``node`` on ``first`` or later: it
    matches one of ``taking`` (the scheme's indicators of penalties) whose validity from
    the decision reaches past ``first``.  (Revoked ones need no repair; their status says
    so.)"""
    if node.props.get("status") == "撤销":
        return False
    since = _date(node)
    return since is not None and any(months_after(since, ind.validity_months) > first
                                     for ind in taking(node.props))


@lru_cache(maxsize=1 << 16)
def _day(text: str) -> dt.date | None:
    """A stored date (dates repeat: each is parsed once); None when it is not one."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _date(node: Node) -> dt.date | None:
    prop = RECORD_DATES.get(node.label)
    value = node.props.get(prop) if prop else None
    if node.label == "Commitment":  # a breach is found when the promise falls due
        value = node.props.get("due_on") or node.props.get("made_on")
    if value in (None, ""):
        return None
    day = _day(str(value)[:10])
    return day if day is not None else parse_date(str(value), f"{node.uid} {prop}")


def _end(ind: Indicator | None, node: Node, since: dt.date) -> tuple[dt.date | None, str]:
    """When an entry stops counting and why (before repairs and removals)."""
    if node.label == "PointEntry" and node.props.get("valid_to"):
        end = _day(str(node.props["valid_to"])) or parse_date(node.props["valid_to"],
                                                             f"{node.uid} valid_to")
        return end + ONE_DAY, "expired"
    if ind is not None and ind.validity_months:
        return months_after(since, ind.validity_months), "expired"
    return None, ""


#: The labels whose entries stop counting for a reason of their own record (a penalty's
#: repair, revocation or publication end, a list entry's removal) or count from a date of
#: their own rule (a commitment's): every other entry's span hangs on its dates alone.
_OWN_ENDS = ("Penalty", "ListEntry", "Commitment")
_ODD = object()  # (_span: a date to read as _date and _end do, with their errors)


def _entry(ind: Indicator | None, node: Node, about: str, day: dt.date, ctx: Context,
           points: float, share: int) -> Entry | None:
    label = node.label
    if label not in _OWN_ENDS:
        # A ledger has thousands of these, and their dates repeat: each span once (_span)
        p = node.props
        when = p.get(RECORD_DATES.get(label))
        end = p.get("valid_to") if label == "PointEntry" else None
        if type(when) is str and (not end or type(end) is str):
            span = _span(when[:10], end or None, ind.validity_months if ind is not None else 0,
                         day)
            if span is None:
                return None
            if span is not _ODD:
                if ind is None:
                    return _make(ind, node, about, points, share, *span)
                return Entry(node.uid, label, about, ind.code, ind.name, ind.category,
                             _shared(points, share), *span)
    since = _date(node)
    if since is None or since > day:
        return None  # not yet recorded on the day asked
    until, why = _end(ind, node, since)
    if label == "Penalty":
        if node.props.get("status") == "撤销":
            return _make(ind, node, about, points, share, since, until, False, "revoked (撤销)")
        state = ctx.penalties.get(node.uid)
        if state is not None:
            if state.repair is not None and (until is None or state.repair.repaired_on < until):
                until, why = state.repair.repaired_on, f"repaired ({state.repair.mode or ''})"
            if until is None or state.maximum_end < until:
                until, why = state.maximum_end, "publication ended"
    elif label == "ListEntry" and node.props.get("removed_on"):
        removed = parse_date(node.props["removed_on"], f"{node.uid} removed_on")
        if until is None or removed < until:
            until, why = removed, "removed from the list"
    counts = until is None or day < until
    return _make(ind, node, about, points, share, since, until, counts,
                 _reason(since, until, counts, why))


@lru_cache(maxsize=1 << 16)
def _span(when: str, end: str | None, months: int | None, day: dt.date) -> tuple | None:
    """(since, until, counts, reason) of an entry of a label not of :data:`_OWN_ENDS`,
    dated ``when`` (its first ten characters), ending the day after ``end`` (a point
    entry's ``valid_to``) or else ``months`` after ``when``, on ``day``: what _date, _end
    and _entry give it.  None: not yet recorded on ``day``; _ODD: a date those read
    otherwise (or refuse)."""
    if when == "":
        return None
    since = _day(when)
    if since is None:
        return _ODD
    if since > day:
        return None
    if end:
        last = _day(end)
        if last is None:
            return _ODD
        until, why = last + ONE_DAY, "expired"
    elif months:
        until, why = months_after(since, months), "expired"
    else:
        until, why = None, ""
    counts = until is None or day < until
    return since, until, counts, _reason(since, until, counts, why)


def _reason(since: dt.date, until: dt.date | None, counts: bool, why: str) -> str:
    if counts:
        return f"counts from {since}" + (f" until {until - ONE_DAY}" if until else "")
    return f"{why} on {until}"


def _make(ind, node, about, points, share, since, until, counts, reason) -> Entry:
    name = ind.name if ind else str(node.props.get("description") or node.props.get("behaviour") or "")
    return Entry(node.uid, node.label, about, ind.code if ind else "", name,
                 ind.category if ind else "", _shared(points, share), since, until,
                 counts, reason)


@lru_cache(maxsize=1 << 12)
def _shared(points: float, share: int) -> float:
    """``points`` shared out over ``share`` vehicles or drivers (a ledger's few values:
    round() of a float costs more than the lookup)."""
    return round(points / max(1, share), 4)


def _relation(scheme: Scheme, ctx: Context, subject: str) -> dict[str, str]:
    """Each uid whose records count for ``subject``, and how: self, vehicles or drivers."""
    out = {subject: "self"}
    for v in ctx.vehicles.get(subject, ()):
        out.setdefault(v, "vehicles")
    for p in ctx.drivers.get(subject, ()):
        out.setdefault(p, "drivers")
    return out


def _over_ok(ind: Indicator, how: str) -> bool:
    return ind.over == how or (ind.over == "fleet")


def entries_of(scheme: Scheme, ctx: Context, subject: str, day: dt.date) -> list[Entry]:
    """Every entry of ``subject`` recorded by ``day`` (counting or not)."""
    out: list[Entry] = []
    shares = {"vehicle": len(ctx.vehicles.get(subject, ())),
              "driver": len(ctx.drivers.get(subject, ()))}
    by_record: dict[str, list[Indicator]] = {}
    for ind in scheme.indicators:
        if ind.match.record != "PointEntry":
            by_record.setdefault(ind.match.record, []).append(ind)
    # A fleet's records repeat a few values of what decides their indicators (a point
    # entry's scheme and behaviour, an alarm's kind and outcome, a penalty's severity):
    # each combination is decided once a ledger (_Taking, _entry_indicator).
    takers: dict[tuple[str, str], _Taking] = {}
    decided: dict[tuple, Any] = {}
    for about, how in _relation(scheme, ctx, subject).items():
        for node in ctx.records.get(about, ()):
            p = node.props
            if node.label == "PointEntry":
                key = (how, p.get("scheme"), p.get("behaviour"))
                ind = decided.get(key, _UNDECIDED)
                if ind is _UNDECIDED:
                    ind = _entry_indicator(scheme, p, how)
                    if type(key[1]) is str and (key[2] is None or type(key[2]) is str):
                        decided[key] = ind  # (other values: as they come, str() may differ)
                if ind is _SKIP:
                    continue
                try:
                    points = float(p.get("points"))
                except (TypeError, ValueError):
                    raise InvalidInput(message("error.scoring.points", uid=node.uid,
                                               value=repr(p.get("points")))) from None
                e = _entry(ind, node, about, day, ctx, points,
                           shares.get(ind.per, 1) if ind else 1)
                if e is not None:
                    out.append(e)
                continue
            taking = takers.get((node.label, how))
            if taking is None:
                taking = takers[node.label, how] = _Taking(
                    [i for i in by_record.get(node.label, ()) if _over_ok(i, how)])
            for ind in taking(p):
                e = _entry(ind, node, about, day, ctx, ind.points,
                           shares.get(ind.per, 1) if ind.per else 1)
                if e is not None:
                    out.append(e)
    return out


_UNDECIDED, _SKIP = object(), object()


def _entry_indicator(scheme: Scheme, props, how: str) -> Indicator | None | object:
    """The indicator a point entry of ``props`` counts under for the subject it is
    ``how`` to; None: its own behaviour, for the subject itself; _SKIP: none."""
    if not scheme.scores_entry(props):
        return _SKIP
    ind = scheme.indicator(str(props.get("behaviour") or ""))
    if ind is None and how != "self":
        return _SKIP
    if ind is not None and not _over_ok(ind, how):
        return _SKIP
    return ind


class _Taking:
    """The indicators (of one label, over one relation) that take a record, by the values
    of the properties their matches test: each combination of values matched once.
    Values are kept only when all are text or absent, whose equality is what matches
    compares (1 == 1.0, but str() tells them apart)."""

    __slots__ = ("inds", "props", "seen")

    def __init__(self, inds: Sequence[Indicator]) -> None:
        self.inds = tuple(inds)
        self.props = tuple(sorted({p for i in inds for p in i.match.tested()}))
        self.seen: dict[tuple, tuple[Indicator, ...]] = {}

    def __call__(self, props) -> tuple[Indicator, ...]:
        if not self.inds:
            return ()
        key = tuple([props.get(p) for p in self.props])
        try:
            return self.seen[key]
        except KeyError:
            pass
        except TypeError:  # (a value that cannot be a key)
            return tuple(i for i in self.inds if i.match.matches(props))
        found = tuple(i for i in self.inds if i.match.matches(props))
        if all(v is None or type(v) is str for v in key):
            self.seen[key] = found
        return found


def _reviews(scheme: Scheme, nodes: Iterable[Node], day: dt.date):
    start = months_after(day, -scheme.evaluators.window_months)
    for n in nodes:
        if n.label != "Review":
            continue
        when = _date(n)
        if when is None or not (start < when <= day):
            continue
        p = n.props
        key = p.get("evaluator_id") or p.get("evaluator_hash") or n.uid
        top = p.get("max_score")
        yield n.uid, str(p.get("evaluator_kind")), str(key), float(p.get("score")), \
            float(top) if top not in (None, "") else None


def _start(scheme: Scheme, nodes: Iterable[Node], day: dt.date) -> tuple[float | None, str, GradeRule | None]:
    if scheme.start_points is None:
        return None, "", None
    for c in sorted((n for n in nodes if n.label == "Commitment"), key=lambda n: n.uid):
        p = c.props
        made = p.get("made_on")
        if (p.get("kind") in scheme.commitment_kinds and p.get("status") != "违诺" and made
                and parse_date(made, f"{c.uid} made_on") <= day):
            return scheme.commitment_points, f"start: {p.get('kind')} made on {made}", \
                GradeRule("start_commitment", scheme.grade_for(scheme.commitment_points), c.uid,
                          f"{p.get('kind')} made on {made}")
    return scheme.start_points, "start", None


_ORDER = attrgetter("since", "record", "indicator")


def ledger(scheme: Scheme, ctx: Context, subject: str, day: dt.date, bids_won: int = 0
           ) -> ScoreResult:
    """The score of ``subject`` from the records in ``ctx`` (see the module docstring)."""
    own = ctx.records.get(subject, [])
    # (one sort: each part keeps its order, as a sort of it alone gives)
    all_entries = sorted(entries_of(scheme, ctx, subject, day), key=_ORDER)
    counted = [e for e in all_entries if e.counts]
    expired = [e for e in all_entries if not e.counts]
    rules: list[GradeRule] = []
    evaluated = None
    if scheme.evaluators is not None:
        evaluated = weigh(scheme.evaluators, _reviews(scheme, own, day))
    if evaluated is not None:
        base, base_reason = evaluated.composite, "the evaluators' weighted score"
    else:
        base, base_reason, rule = _start(scheme, own, day)
        if rule is not None:
            rules.append(rule)
        if base is None:
            base_reason = "no reviews in the window: no comprehensive score"
    dims: list[DimensionScore] = []
    if scheme.is_portrait:
        total = 0.0
        for d in scheme.dimensions:
            mine = [e for e in counted if e.category == d.code]
            pts = sum(e.points for e in mine)
            sub = min(scheme.start_points, max(0.0, scheme.start_points + pts))
            dims.append(DimensionScore(d.code, d.name, d.weight, round(sub, 2), round(pts, 4), len(mine)))
            total += d.weight * sub
        score = total / sum(d.weight for d in scheme.dimensions)
    else:
        score = None if base is None else base + sum(e.points for e in counted)
    band = scheme.grade_for(score) if score is not None else None
    grade = band

    def cap(to: str) -> None:
        nonlocal grade
        if grade is None or scheme.rank(to) > scheme.rank(grade):
            grade = to

    q = scheme.quota
    if q is not None and grade in q.wins and bids_won >= q.wins[grade]:
        rules.append(GradeRule("quota", q.scored_as, None,
                               f"{bids_won} bids won at {grade} (quota {q.wins[grade]}): scored as "
                               f"{q.scored_as}"))
        cap(q.scored_as)
    for v in scheme.vetoes:
        for node in sorted((n for n in own if n.label == v.match.record), key=lambda n: n.uid):
            since = _date(node)
            if since is None or since > day or not v.match.matches(node.props) \
                    or node.props.get("status") == "撤销":
                continue
            if day < months_after(since, v.months):
                rules.append(GradeRule(f"veto:{v.code}", v.grade, node.uid,
                                       f"{v.name} on {since}: {v.grade} until "
                                       f"{months_after(since, v.months) - ONE_DAY}"))
                cap(v.grade)
    return ScoreResult(
        subject, scheme.code, scheme.version, scheme.scheme, day,
        None if score is None else round(score, 2), grade, band,
        None if base is None else round(base, 2), base_reason, tuple(counted), tuple(expired),
        tuple(rules), evaluated, tuple(dims), len(ctx.vehicles.get(subject, ())),
        len(ctx.drivers.get(subject, ())))


def check_scored(scheme: Scheme, node: Node) -> None:
    if node.label not in scheme.subjects:
        raise InvalidInput(message("error.scoring.subject_kind", scheme=scheme.code,
                                   labels=", ".join(scheme.subjects), label=node.label,
                                   uid=node.uid))


def check_bids_won(bids_won) -> int:
    """``bids_won`` (#11's quota: bids won) as a whole number of 0 or more, or InvalidInput."""
    if not isinstance(bids_won, int) or isinstance(bids_won, bool) or bids_won < 0:
        raise InvalidInput(message("error.scoring.bids_won", value=repr(bids_won)))
    return bids_won


def score_subject(store: Store, scheme: Scheme, subject: str, as_of, bids_won: int = 0
                  ) -> ScoreResult:
    """:func:`ledger` of one subject, its records read from ``store``."""
    day = parse_as_of(as_of)
    check_bids_won(bids_won)
    node = check_subject(store, subject)
    check_scored(scheme, node)
    return ledger(scheme, gather(store, scheme, [node.uid], day), node.uid, day, bids_won)


__all__ += ["check_scored", "check_bids_won", "score_subject", "entries_of"]
