"""Differentiated random inspection (DOMAIN.md rule 7; cases #5 and #8).

:func:`inspection_draw` draws the subjects of one inspection round of a region: every
subject registered in the region (``region_code`` in it) falls in the stratum of the grade
recognised there on ``as_of`` (:mod:`queries.rules.recognition`; a grade of another scheme
by the five-level letter of its common level, :mod:`queries.rules.scales`), or in the
``ungraded`` stratum.  A first draw takes each stratum's ratio (AA 10%, A 15%, B 20%, C 25%,
D 30%), a second draw a further share of the C and D strata (30%, 70%) among those not
drawn yet.  Counts are rounded up (the ratios are minimums).  The draw is reproducible:
the same store, region, day, ratios and seed give the same subjects, independent of how
the store orders them.

:func:`check_round` checks any round against #8: at least half of the subjects must be
graded B or below; ungraded subjects do not count as B or below.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Iterable, Mapping

from graph_model.schema import schema
from graph_model.store.port import Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.jurisdiction import check_region
from queries.rules.recognition import RecognizedGrade, grades_in_batches, registered_in
from queries.rules.rulefile import DataFileError, RuleFile, as_ratio, require
from queries.rules.scales import scales as default_scales

__all__ = ["UNGRADED", "InspectionRules", "inspection_rules", "DrawnSubject", "Stratum",
           "RoundCheck", "InspectionDraw", "inspection_draw", "check_round"]

UNGRADED = "ungraded"
LETTERS = ("AA", "A", "B", "C", "D")


@dataclass(frozen=True)
class InspectionRules:
    ratios: Mapping[str, float]
    second_ratios: Mapping[str, float]
    ungraded_ratio: float
    at_or_below: str
    minimum_share: float


def _ratio_table(value, where: str, field: str, allow_ungraded: bool) -> dict[str, float]:
    require(isinstance(value, Mapping), where, f"{field} must map grades to ratios")
    keys = LETTERS + ((UNGRADED,) if allow_ungraded else ())
    out = {}
    for k, v in value.items():
        require(k in keys, where, f"{field}: {k!r} is not one of {', '.join(keys)}")
        out[k] = as_ratio(v, where, f"{field}.{k}")
    return out


def parse_inspection_rules(doc: Mapping, where: str = "inspection") -> InspectionRules:
    ratios = _ratio_table(doc.get("ratios"), where, "ratios", False)
    require(set(ratios) == set(LETTERS), where, f"ratios must give every grade {LETTERS}")
    second = _ratio_table(doc.get("second_ratios") or {}, where, "second_ratios", False)
    check = doc.get("round_check") or {}
    require(check.get("at_or_below") in LETTERS, where, "round_check.at_or_below must be a grade")
    return InspectionRules(ratios, second, as_ratio(doc.get("ungraded_ratio"), where, "ungraded_ratio"),
                           check["at_or_below"], as_ratio(check.get("minimum_share"), where,
                                                          "round_check.minimum_share"))


#: The installed inspection ratios: ``inspection_rules()``, read and checked once; ``load_inspection_rules(path)``
#: reads and checks another file.
inspection_rules: RuleFile[InspectionRules] = RuleFile("inspection.yaml", parse_inspection_rules)
load_inspection_rules = inspection_rules.load


@dataclass(frozen=True)
class DrawnSubject:
    subject: str
    stratum: str  # AA, A, B, C, D or "ungraded"
    draw: str  # "first" or "second"
    grade: str | None  # the recognised grade as its scheme spells it
    scheme: str | None
    evaluation: str | None  # uid of the recognised evaluation


@dataclass(frozen=True)
class Stratum:
    key: str
    ratio: float
    second_ratio: float
    population: int
    first: tuple[str, ...]
    second: tuple[str, ...]


@dataclass(frozen=True)
class RoundCheck:
    """#8: the share of a round's subjects graded ``at_or_below`` or worse."""

    total: int
    at_or_below: int
    share: float
    minimum_share: float
    threshold: str
    ok: bool
    grades: tuple[tuple[str, str | None], ...]  # (subject, stratum letter or None)


@dataclass(frozen=True)
class InspectionDraw:
    region: str
    as_of: dt.date
    seed: str
    scheme: str | None
    strata: tuple[Stratum, ...]
    selected: tuple[DrawnSubject, ...]
    check: RoundCheck

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(d.subject for d in self.selected)


def _stratum(g: RecognizedGrade | None) -> str:
    return g.level.letter if g is not None and g.level is not None else UNGRADED


def _count(ratio: float, n: int) -> int:
    return min(n, math.ceil(round(ratio * n, 9)))


def _check(grades: Mapping[str, RecognizedGrade], subjects: Iterable[str],
           rules: InspectionRules, minimum: float) -> RoundCheck:
    limit = default_scales().levels[[lv.letter for lv in default_scales().levels].index(rules.at_or_below)]
    rows, hits = [], 0
    for s in subjects:
        g = grades.get(s)
        lv = g.level if g is not None else None
        rows.append((s, lv.letter if lv else None))
        if lv is not None and lv.severity >= limit.severity:
            hits += 1
    total = len(rows)
    share = hits / total if total else 0.0
    return RoundCheck(total, hits, share, minimum, rules.at_or_below,
                      total > 0 and share >= minimum, tuple(rows))


def check_round(store: Store, subjects: Iterable[str], region: str, as_of,
                scheme: str | None = None, minimum_share: float | None = None) -> RoundCheck:
    """Whether an inspection round meets #8: at least ``minimum_share`` (default 50%) of
    its subjects graded B or below in ``region`` on ``as_of``.

    Examples
    --------
    On the demo data: Suzhou inspecting 苏州恒通 (D) and 苏州姑苏出租 (A): one of two is B or
    below, which meets 50%::

        >>> check_round(store, ["Enterprise:91320506MA1MKT3P0P",
        ...                     "Enterprise:91320508137219580W"], "320500", "2026-06-01").ok
        True
    """
    rules = inspection_rules()
    day = parse_as_of(as_of)
    region = check_region(region)
    minimum = rules.minimum_share if minimum_share is None else as_ratio(minimum_share, "check_round", "minimum_share")
    subjects = list(dict.fromkeys(subjects))
    grades = grades_in_batches(store, subjects, region, day, scheme)
    return _check(grades, subjects, rules, minimum)


def inspection_draw(store: Store, region: str, as_of, ratios: Mapping[str, float] | None = None,
                    seed: int | str = 0, *, second_ratios: Mapping[str, float] | None = None,
                    scheme: str | None = None, label: str = "Enterprise") -> InspectionDraw:
    """Draw one differentiated random-inspection round of ``region`` on ``as_of``.

    Parameters
    ----------
    store : Store
    region : str
        Division code; the population is every ``label`` subject registered in it.
    as_of : datetime.date or str
    ratios : mapping, optional
        First-draw ratio by grade letter (``AA A B C D`` and ``ungraded``); missing keys
        take ``queries/data/inspection.yaml`` (AA .10, A .15, B .20, C .25, D .30).
    seed : int or str
        Same seed, same draw.
    second_ratios : mapping, optional
        Second-draw ratio by grade (default C .30, D .70), among those not drawn first.
    scheme : str, optional
        Grade scheme to recognise (default: any, :func:`queries.rules.recognition.recognized_grade`).
    label : str
        Subject label of the population (default ``Enterprise``).

    Returns
    -------
    InspectionDraw
        ``strata`` (ratio, population, drawn uids per draw), ``selected`` (each with its
        stratum, draw and the recognised evaluation) and ``check`` (#8's rule on the round).

    Examples
    --------
    On the demo data, Suzhou's firms on 2026-06-01 (A: 1, B: 1, C: 1, D: 1, ungraded: 0)::

        >>> d = inspection_draw(store, "320500", "2026-06-01", seed=7)
        >>> [(s.key, s.population, len(s.first), len(s.second)) for s in d.strata]
        [('AA', 0, 0, 0), ('A', 1, 1, 0), ('B', 1, 1, 0), ('C', 1, 1, 0), ('D', 1, 1, 0), ('ungraded', 0, 0, 0)]
        >>> d.check.ok
        True
    """
    rules = inspection_rules()
    day = parse_as_of(as_of)
    region = check_region(region)
    if not isinstance(seed, (int, str)) or isinstance(seed, bool):
        raise InvalidInput(f"seed must be an integer or a string, not {seed!r}")
    if label not in schema().subject_labels():
        raise InvalidInput(f"label must be a subject label, not {label!r}")
    first = dict(rules.ratios, **{UNGRADED: rules.ungraded_ratio})
    try:
        first.update(_ratio_table(ratios or {}, "ratios", "ratios", True))
        second = dict(rules.second_ratios)
        second.update(_ratio_table(second_ratios or {}, "second_ratios", "second_ratios", True))
    except DataFileError as exc:
        raise InvalidInput(str(exc)) from None
    population = registered_in(store, region, label)
    grades = grades_in_batches(store, population, region, day, scheme)
    members: dict[str, list[str]] = {k: [] for k in LETTERS + (UNGRADED,)}
    for uid in sorted(population):
        members[_stratum(grades.get(uid))].append(uid)

    strata, selected = [], []
    for key, uids in members.items():
        rng = random.Random(f"{seed}|{key}|first")
        picked = sorted(rng.sample(uids, _count(first[key], len(uids))))
        rest = [u for u in uids if u not in set(picked)]
        rng2 = random.Random(f"{seed}|{key}|second")
        again = sorted(rng2.sample(rest, min(len(rest), _count(second.get(key, 0.0), len(uids)))))
        strata.append(Stratum(key, first[key], second.get(key, 0.0), len(uids), tuple(picked), tuple(again)))
        for draw, chosen in (("first", picked), ("second", again)):
            for uid in chosen:
                g = grades.get(uid)
                ev = g.evaluation if g is not None else None
                selected.append(DrawnSubject(uid, key, draw, ev.grade if ev else None,
                                             ev.scheme if ev else None, ev.uid if ev else None))
    check = _check(grades, [d.subject for d in selected], rules, rules.minimum_share)
    return InspectionDraw(region, day, str(seed), scheme, tuple(strata), tuple(selected), check)
