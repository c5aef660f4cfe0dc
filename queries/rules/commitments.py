"""The lifecycle of credit commitments (信用承诺; DOMAIN.md rules 1 and 23; cases #1, #5,
#17).

A commitment is *kept* (已履约), *breached* (违诺), *open* (履约中 up to and on its
``due_on``) or *overdue* (履约中 from the day after ``due_on``).  Overdue and breached
commitments drive the effects of ``queries/data/commitments.yaml``: #5's licence
revocation once a commitment is not fulfilled within 180 days of the day it was made (day
180 not yet, day 181 a candidate), #17's tolerance processing withdrawn.

:func:`commitments_due` lists, for the region whose agencies accepted them, the commitments
due soon, overdue and breached on a day; :func:`recheck_draw` draws a reproducible random
sample of a region's commitments for the re-checks of #1 (在日常“双随机”抽查中核查市场主体的
履约情况).

Examples
--------
>>> import datetime as dt
>>> rules = commitment_rules()
>>> c = CommitmentRef("Commitment:x", "Enterprise:F", "告知承诺制审批",
...                   dt.date(2025, 1, 1), dt.date(2025, 3, 1), "履约中", "320500")
>>> state_of(c, dt.date(2025, 3, 1), rules).state, state_of(c, dt.date(2025, 3, 2), rules).state
('open', 'overdue')
>>> [e.code for e in state_of(c, dt.date(2025, 6, 30), rules).effects]   # day 180
['tolerance_withdrawn']
>>> [e.code for e in state_of(c, dt.date(2025, 7, 1), rules).effects]    # day 181
['revocation_candidate', 'tolerance_withdrawn']
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Mapping

from graph_model.gcpause import gc_paused
from graph_model.i18n import message
from graph_model.store.port import Node, NoneOf, Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.basis import Basis, parse_basis
from queries.rules.jurisdiction import (
    check_region, find_all, inside, record_date, record_optional_date,
)
from queries.rules.rulefile import (
    DataFileError, RuleFile, as_int, as_ratio, as_str_list, require,
)

__all__ = ["CommitmentRules", "CommitmentEffect", "commitment_rules", "load_commitment_rules",
           "CommitmentRef", "CommitmentState", "state_of", "commitment_ref", "CommitmentsDue",
           "commitments_due", "RecheckDraw", "recheck_draw", "KEPT", "BREACHED", "OPEN",
           "OVERDUE"]

#: States of a commitment on a day.
KEPT, BREACHED, OPEN, OVERDUE = "kept", "breached", "open", "overdue"
_STATUS = {"已履约": KEPT, "违诺": BREACHED}  # anything else (履约中, none) is open until due


@dataclass(frozen=True)
class CommitmentEffect:
    code: str
    name: str
    on: tuple[str, ...]  # states it applies in
    within_days: int | None  # applies only after this many days from made_on
    kinds: tuple[str, ...]  # words a commitment kind must contain (empty: any)
    basis: Basis

    def applies(self, kind: str | None, state: str, days_since_made: int) -> bool:
        if state not in self.on:
            return False
        if self.kinds and not any(w in (kind or "") for w in self.kinds):
            return False
        return self.within_days is None or days_since_made > self.within_days


@dataclass(frozen=True)
class CommitmentRules:
    after_due_days: int
    effects: tuple[CommitmentEffect, ...]
    due_soon_days: int
    recheck_ratio: float
    bases: Mapping[str, Basis]


def parse_commitment_rules(doc: Mapping, where: str = "commitments") -> CommitmentRules:
    overdue = doc.get("overdue")
    require(isinstance(overdue, Mapping), where, "overdue must be a mapping")
    bases = {"overdue": parse_basis(overdue.get("basis"), where, "overdue.basis"),
             "due_soon_days": parse_basis(doc.get("due_soon_days_basis"), where, "due_soon_days_basis"),
             "recheck_ratio": parse_basis(doc.get("recheck_ratio_basis"), where, "recheck_ratio_basis")}
    effects = []
    for i, e in enumerate(doc.get("effects") or []):
        here = f"effects[{i}]"
        require(isinstance(e, Mapping) and e.get("code"), where, f"{here} needs a code")
        on = as_str_list(e.get("states"), where, f"{here}.states", False)
        require(set(on) <= {OPEN, OVERDUE, BREACHED}, where, f"{here}.states: states are {OPEN}, {OVERDUE}, {BREACHED}")
        within = e.get("within_days")
        effects.append(CommitmentEffect(
            str(e["code"]), str(e.get("name", "")), on,
            None if within is None else as_int(within, where, f"{here}.within_days", 0),
            as_str_list(e.get("kinds") or [], where, f"{here}.kinds"),
            parse_basis(e.get("basis"), where, f"{here}.basis")))
    require(len({e.code for e in effects}) == len(effects), where, "an effect code is listed twice")
    return CommitmentRules(as_int(overdue.get("after_due_days"), where, "overdue.after_due_days", 1),
                           tuple(effects), as_int(doc.get("due_soon_days"), where, "due_soon_days", 0),
                           as_ratio(doc.get("recheck_ratio"), where, "recheck_ratio"), bases)


#: The installed commitment rules: ``commitment_rules()``; ``load_commitment_rules(path)``
#: reads and checks another file.
commitment_rules: RuleFile[CommitmentRules] = RuleFile("commitments.yaml", parse_commitment_rules)
load_commitment_rules = commitment_rules.load


@dataclass(frozen=True)
class CommitmentRef:
    uid: str
    subject: str | None
    kind: str | None
    made_on: dt.date
    due_on: dt.date | None
    status: str | None
    agency_region: str | None


def commitment_ref(node: Node) -> CommitmentRef:
    p = node.props
    return CommitmentRef(node.uid, p.get("subject_uid"), p.get("kind"), record_date(node, "made_on"),
                         record_optional_date(node, "due_on"), p.get("status"), p.get("agency_region"))


@dataclass(frozen=True)
class CommitmentState:
    """Where a commitment stands on ``as_of``: ``state`` (kept, breached, open, overdue),
    ``overdue_from`` (the day after ``due_on``), ``days_since_made`` and the effects it
    drives that day."""

    commitment: CommitmentRef
    as_of: dt.date
    state: str
    overdue_from: dt.date | None
    days_since_made: int
    effects: tuple[CommitmentEffect, ...]

    @property
    def days_overdue(self) -> int:
        if self.state != OVERDUE or self.overdue_from is None:
            return 0
        return (self.as_of - self.overdue_from).days + 1


def state_of(c: CommitmentRef, day: dt.date, rules: CommitmentRules) -> CommitmentState:
    """The state of one commitment on ``day`` (no store access)."""
    overdue_from = c.due_on + dt.timedelta(days=rules.after_due_days) if c.due_on else None
    state = _STATUS.get(c.status or "")
    if state is None:
        state = OVERDUE if overdue_from is not None and day >= overdue_from else OPEN
    since = (day - c.made_on).days
    effects = tuple(e for e in rules.effects if since >= 0 and e.applies(c.kind, state, since))
    return CommitmentState(c, day, state, overdue_from, since, effects)


@dataclass(frozen=True)
class CommitmentsDue:
    region: str
    as_of: dt.date
    within: int
    due_soon: tuple[CommitmentState, ...]  # open, due within ``within`` days; soonest first
    overdue: tuple[CommitmentState, ...]  # most overdue first
    breached: tuple[CommitmentState, ...]  # oldest first


def _region_commitments(store: Store, region: str, day: dt.date):
    for node in find_all(store, "Commitment", {"agency_region": sorted(inside(region))}):
        ref = commitment_ref(node)
        if ref.made_on <= day:
            yield ref


#: statuses of commitments kept: never due, overdue nor breached again
_KEPT_STATUSES = tuple(status for status, state in _STATUS.items() if state == KEPT)


def _region_commitments_not_kept(store: Store, region: str, day: dt.date) -> list[CommitmentRef]:
    """The commitments of ``region`` made by ``day`` whose record does not say kept: read
    through the Commitment index (agency_region, status) of schema.yaml, the status
    tested in the index, so the kept ones (nine in ten at scale) are never read."""
    where = {"agency_region": sorted(inside(region)), "status": NoneOf(_KEPT_STATUSES)}
    refs = (commitment_ref(n) for n in store.find_every("Commitment", where))
    return [ref for ref in refs if ref.made_on <= day]


def commitments_due(store: Store, region: str, as_of, within: int | None = None,
                    rules: CommitmentRules | None = None) -> CommitmentsDue:
    """The commitments accepted by the agencies of ``region`` that are due within
    ``within`` days, overdue or breached on ``as_of``, each with the effects it drives.

    Parameters
    ----------
    store : Store
    region : str
        Division code; commitments whose accepting agency is in it.
    as_of : datetime.date or str
    within : int, optional
        Days ahead counted as "due soon" (default ``due_soon_days`` of the rules, 30).

    Examples
    --------
    On the demo data, Suzhou on 2025-07-14, day 180 of a commitment made on 2025-01-15 and
    breached (违诺) on its record: #17's withdrawal applies; on day 181 #5's revocation too::

        >>> d = commitments_due(store, "320500", "2025-07-14")
        >>> [(s.commitment.subject, [e.code for e in s.effects]) for s in d.breached]
        [('Enterprise:91320506MA1XJ8R49P', ['tolerance_withdrawn'])]
        >>> [[e.code for e in s.effects] for s in commitments_due(store, "320500", "2025-07-15").breached]
        [['revocation_candidate', 'tolerance_withdrawn']]
    """
    rules = rules or commitment_rules()
    day = parse_as_of(as_of)
    region = check_region(region)
    within = rules.due_soon_days if within is None else within
    if not isinstance(within, int) or isinstance(within, bool) or not 0 <= within <= 3660:
        raise InvalidInput(message("error.commitments.within", within=repr(within)))
    soon, overdue, breached = [], [], []
    horizon = day + dt.timedelta(days=within)
    with gc_paused():  # ~10^4 rows decoded and kept at once (graph_model.gcpause)
        for ref in _region_commitments_not_kept(store, region, day):
            if ref.due_on is not None and ref.due_on > horizon and ref.status not in _STATUS:
                continue  # open and not due soon: listed nowhere
            s = state_of(ref, day, rules)
            if s.state == OVERDUE:
                overdue.append(s)
            elif s.state == BREACHED:
                breached.append(s)
            elif s.state == OPEN and ref.due_on is not None and ref.due_on <= horizon:
                soon.append(s)
    soon.sort(key=lambda s: (s.commitment.due_on, s.commitment.uid))
    overdue.sort(key=lambda s: (s.overdue_from, s.commitment.uid))
    breached.sort(key=lambda s: (s.commitment.made_on, s.commitment.uid))
    return CommitmentsDue(region, day, within, tuple(soon), tuple(overdue), tuple(breached))


@dataclass(frozen=True)
class RecheckDraw:
    region: str
    as_of: dt.date
    ratio: float
    seed: str
    population: int
    selected: tuple[CommitmentState, ...]  # in uid order


def recheck_draw(store: Store, region: str, as_of, ratio: float | None = None,
                 seed: int | str = 0, rules: CommitmentRules | None = None) -> RecheckDraw:
    """A reproducible random sample of the commitments of ``region`` to re-check on
    ``as_of`` (#1: "在日常“双随机”抽查中核查市场主体的履约情况"): of those made on or before
    ``as_of`` and not breached on record, ``ratio`` of them rounded up (default the rules'
    ``recheck_ratio``).  The same store, region, day, ratio and seed give the same sample,
    whatever order the store lists them in.

    Examples
    --------
    >>> d = recheck_draw(store, "320500", "2025-12-01", ratio=1.0, seed=3)
    >>> d.population == len(d.selected), d == recheck_draw(store, "320500", "2025-12-01", 1.0, 3)
    (True, True)
    """
    rules = rules or commitment_rules()
    day = parse_as_of(as_of)
    region = check_region(region)
    if not isinstance(seed, (int, str)) or isinstance(seed, bool):
        raise InvalidInput(message("error.seed", seed=repr(seed)))
    try:
        ratio = rules.recheck_ratio if ratio is None else as_ratio(ratio, "recheckDraw", "ratio")
    except DataFileError as exc:  # a caller's value, not a data file's
        raise InvalidInput(str(exc)) from None
    states = sorted((state_of(r, day, rules) for r in _region_commitments(store, region, day)),
                    key=lambda s: s.commitment.uid)
    pool = [s for s in states if s.state != BREACHED]
    count = min(len(pool), math.ceil(round(ratio * len(pool), 9)))  # rounded up, a minimum
    picked = random.Random(f"{seed}|{region}|{day}|recheck").sample(range(len(pool)), count)
    return RecheckDraw(region, day, ratio, str(seed), len(pool),
                       tuple(pool[i] for i in sorted(picked)))
