"""The scoring engine (issue 17): schemes as data, point ledgers with validity, weighted
evaluators with outlier correction, portraits, star incentives and scheme runs.

* :func:`score` — a subject's score and grade under a scheme on a day, with every entry
  that counted or expired and its source record (#19: "每一条扣分记录");
* :func:`score_history` — the same on a series of days;
* :func:`portrait` — a portrait scheme's dimension sub-scores and risk level (#15);
* :func:`lock_queue` — the ships waiting at a lock, with the jumps their stars buy (#13);
* :func:`run_scheme` — the evaluations a scheme gives a region's subjects (written as a
  load by ``creditkb score run``).

Every function takes the scheme by its code and reads the schemes of
``queries/data/schemes/`` (and the user's folder, when the caller passes that
:class:`~queries.scoring.schemes.SchemeSet`); the version in force for the subject's
region on the day asked is used (a regional override is a new version, never an edit).

Examples
--------
On the demo data, 常州龙城旅游客运 under #1's scheme: it signed an initial-grade
commitment, so it starts at 良 (A) with 820 points::

    >>> r = score(store, "Enterprise:91320411250183647M", "jjj_commuter_bus", "2025-06-01")
    >>> r.grade, r.score, r.rules[0].rule
    ('良', 820.0, 'start_commitment')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph_model.gcpause import gc_paused
from graph_model.i18n import message
from graph_model.store.port import Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.jurisdiction import check_subject
from queries.rules.rulefile import months_after
from queries.scoring.incentives import LockQueue, QueuedShip, lock_queue as _lock_queue, lock_scheme
from queries.scoring.ledger import (
    DimensionScore, Entry, GradeRule, ScoreResult, check_bids_won, check_scored, gather, ledger,
)
from queries.scoring.run import RunResult, run_scheme as _run_scheme
from queries.scoring.schemes import Scheme, SchemeSet, schemes

__all__ = ["score", "score_history", "portrait", "lock_queue", "run_scheme", "schemes",
           "Scheme", "SchemeSet", "ScoreResult", "Entry", "GradeRule", "DimensionScore",
           "HistoryPoint", "LockQueue", "QueuedShip", "RunResult", "MAX_HISTORY_POINTS"]

MAX_HISTORY_POINTS = 120


def _catalogue(catalogue: SchemeSet | None) -> SchemeSet:
    return catalogue if catalogue is not None else schemes()


def score(store: Store, subject: str, scheme: str, as_of, bids_won: int = 0, *,
          catalogue: SchemeSet | None = None) -> ScoreResult:
    """The score and grade of ``subject`` under ``scheme`` on ``as_of``.

    Parameters
    ----------
    store : Store
    subject : str
        Subject node id.
    scheme : str
        A scheme's code (``queries/data/schemes/<code>.yaml``).
    as_of : datetime.date or str
    bids_won : int
        Bids won so far at the current grade, for a scheme with a bid quota (#11: the
        graph holds no tender records; the tendering system supplies the count).
    catalogue : SchemeSet, optional
        The schemes (default: the installed ones).

    Returns
    -------
    ScoreResult
        ``score``, ``grade`` (and ``band_grade`` before vetoes and quotas), ``base``,
        ``entries`` that count and ``expired`` ones, each with its record and reason;
        ``rules`` (a commitment start, vetoes, quota), ``evaluators`` and ``dimensions``.

    Raises
    ------
    InvalidInput
        For an unknown scheme or subject, a subject the scheme does not score, a bad date
        or a day before the scheme is in force.
    """
    day = parse_as_of(as_of)
    check_bids_won(bids_won)
    node = check_subject(store, subject)
    sch = _catalogue(catalogue).version_for(scheme, node.props.get("region_code"), day)
    check_scored(sch, node)
    with gc_paused():
        return ledger(sch, gather(store, sch, [node.uid], day), node.uid, day, bids_won)


@dataclass(frozen=True)
class HistoryPoint:
    as_of: dt.date
    score: float | None
    grade: str | None
    version: str
    entries: int


def score_history(store: Store, subject: str, scheme: str, start, end, step_months: int = 1,
                  *, catalogue: SchemeSet | None = None) -> list[HistoryPoint]:
    """The score of ``subject`` on ``start`` and every ``step_months`` after it through
    ``end`` (at most :data:`MAX_HISTORY_POINTS` days; none before the scheme is in force).

    The records are read once, so a history costs about what one score does."""
    first, last = parse_as_of(start), parse_as_of(end)
    if last < first:
        raise InvalidInput(message("error.scoring.end_before_start", end=last, start=first))
    if not isinstance(step_months, int) or isinstance(step_months, bool) or step_months < 1:
        raise InvalidInput(message("error.scoring.step_months", step=repr(step_months)))
    cat = _catalogue(catalogue)
    node = check_subject(store, subject)
    region = node.props.get("region_code")
    base = cat.get(scheme)
    check_scored(base, node)
    days = []
    n = 0
    while (day := months_after(first, step_months * n)) <= last:
        n += 1
        if day < base.effective_from:
            continue
        days.append(day)
        if len(days) > MAX_HISTORY_POINTS:
            raise InvalidInput(message("error.scoring.history_points",
                                       maximum=str(MAX_HISTORY_POINTS)))
    if not days:
        return []
    # a history shows what counted on each day, never the expired entries
    ctx = gather(store, cat.version_for(base.code, region, days[-1]), [node.uid], days[-1],
                 first=days[0], counting_only=True)
    out = []
    for d in days:
        sch = cat.version_for(base.code, region, d)
        r = ledger(sch, ctx, node.uid, d)
        out.append(HistoryPoint(d, r.score, r.grade, r.version, len(r.entries)))
    return out


def portrait(store: Store, subject: str, scheme: str, as_of, *,
             catalogue: SchemeSet | None = None) -> ScoreResult:
    """:func:`score` under a portrait scheme (one with ``dimensions``, #15): the result's
    ``dimensions`` are the sub-scores and its grade the risk level; its entries drill
    down to the vehicle or driver each is about."""
    sch = _catalogue(catalogue).get(scheme)
    if not sch.is_portrait:
        raise InvalidInput(message("error.scoring.not_portrait", scheme=sch.code))
    return score(store, subject, scheme, as_of, catalogue=catalogue)


def lock_queue(store: Store, lock: str, as_of, *, catalogue: SchemeSet | None = None) -> LockQueue:
    """The ships waiting at ``lock`` on ``as_of`` in the order they pass, with the places
    their stars let them buy (#13, :mod:`queries.scoring.incentives`)."""
    if not isinstance(lock, str) or not lock.strip():
        raise InvalidInput(message("error.scoring.lock_required"))
    day = parse_as_of(as_of)
    cat = _catalogue(catalogue)
    sch = lock_scheme(cat, lock.strip())
    return _lock_queue(store, cat.version_for(sch.code, None, day), lock.strip(), day)


def run_scheme(store: Store, scheme: str, region: str, as_of, agency: str | None = None, *,
               catalogue: SchemeSet | None = None) -> RunResult:
    """The evaluations ``scheme`` gives the subjects registered in ``region`` on
    ``as_of`` (:mod:`queries.scoring.run`).  A subject inside a region with its own
    override is graded by that version."""
    day = parse_as_of(as_of)
    cat = _catalogue(catalogue)
    base = cat.get(scheme)
    cat.version_for(base.code, None, day)  # in force on the day
    return _run_scheme(store, base, region, day, agency,
                       version_of=lambda code: cat.version_for(base.code, code, day))
