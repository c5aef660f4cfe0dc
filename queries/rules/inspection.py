"""Differentiated random inspection and inspection cycles (DOMAIN.md rules 7 and 20; cases
#5, #6 and #8).

:func:`inspection_draw` draws the subjects of one inspection round of a region under one
scheme: the scheme asked for, else the region's own (``scales.yaml`` ``own_in``: Hangzhou's
is Zhejiang's five-level road scheme), never "the newest grade of any".  Every subject
registered in the region (``region_code`` in it) falls in the stratum of the grade
recognised there on ``as_of`` under that scheme (:mod:`queries.rules.recognition`; by the
five-level letter of its common level, :mod:`queries.rules.scales`), in the stratum of the
grade the scheme manages ungraded firms as (#8: "未按要求开展信用注册、承诺、自评的，一律
按照 C 级管理"), or in the ``ungraded`` stratum.  A first draw takes each stratum's ratio (AA
10%, A 15%, B 20%, C 25%, D 30%), a second draw a further share of the C and D strata (30%,
70%) among those not drawn yet.  Counts are rounded up (the ratios are minimums).  The draw
is reproducible: the same store, region, day, ratios and seed give the same subjects,
independent of how the store orders them.

:func:`check_round` checks any round against #8: at least half of the subjects must be "B
or below", which each scheme says for its own grades (rule 20: a green code or a low-risk
portrait is not; ungraded firms count as the grade they are managed as, or not at all).

:func:`inspection_due` lists the ships of a region whose inspection cycle has run out (#6:
2-12 months for cargo ships, 2-9 for passenger and dangerous-goods ships, by grade).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Iterable, Mapping

from graph_model.i18n import message
from graph_model.schema import schema
from graph_model.store.port import Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.basis import Basis, parse_basis
from queries.rules.jurisdiction import check_region, record_date, records_of
from queries.rules.recognition import RecognizedGrade, grades_in_batches, registered_in
from queries.rules.rulefile import (
    DataFileError, RuleFile, as_int, as_ratio, as_str_list, months_after, require,
)
from queries.rules.scales import SchemeScale, scales as default_scales

__all__ = ["UNGRADED", "InspectionRules", "inspection_rules", "DrawnSubject", "Stratum",
           "RoundCheck", "InspectionDraw", "inspection_draw", "check_round", "Cycle",
           "DueShip", "InspectionDue", "inspection_due", "last_inspections"]

UNGRADED = "ungraded"
LETTERS = ("AA", "A", "B", "C", "D")


@dataclass(frozen=True)
class Cycle:
    """Inspection cycles in months by grade, for some kinds of ship (#6)."""

    vessel_types: tuple[str, ...]
    months: Mapping[str, int]  # canonical grade -> months
    other_types: bool = False


@dataclass(frozen=True)
class InspectionRules:
    ratios: Mapping[str, float]
    second_ratios: Mapping[str, float]
    ungraded_ratio: float
    minimum_share: float
    cycle_scheme: str | None = None
    cycles: tuple[Cycle, ...] = ()
    bases: Mapping[str, Basis] | None = None

    def cycle_for(self, vessel_type: str | None) -> Cycle | None:
        for c in self.cycles:
            if vessel_type in c.vessel_types:
                return c
        return next((c for c in self.cycles if c.other_types), None)


def _ratio_table(value, where: str, field: str, allow_ungraded: bool) -> dict[str, float]:
    require(isinstance(value, Mapping), where, f"{field} must map grades to ratios")
    keys = LETTERS + ((UNGRADED,) if allow_ungraded else ())
    out = {}
    for k, v in value.items():
        require(k in keys, where, f"{field}: {k!r} is not one of {', '.join(keys)}")
        out[k] = as_ratio(v, where, f"{field}.{k}")
    return out


def _cycles(doc: Mapping, where: str) -> tuple[str | None, tuple[Cycle, ...], dict]:
    spec = doc.get("cycles")
    if not spec:
        return None, (), {}
    require(isinstance(spec, Mapping), where, "cycles must be a mapping")
    scale = default_scales().find_scheme(spec.get("scheme"))
    require(scale is not None, where, f"cycles.scheme {spec.get('scheme')!r} is not a scheme")
    bases = {"cycles": parse_basis(spec.get("basis"), where, "cycles.basis"),
             "cycles.steps": parse_basis(spec.get("steps_basis"), where, "cycles.steps_basis")}
    out = []
    for i, c in enumerate(spec.get("by_type") or []):
        here = f"cycles.by_type[{i}]"
        require(isinstance(c, Mapping), where, f"{here} must be a mapping")
        months = c.get("months")
        require(isinstance(months, Mapping) and months, where, f"{here}.months must map grades")
        table = {}
        for g, m in months.items():
            require(scale.canonical_grade(g) is not None, where, f"{here}.months: {g!r} is not "
                                                                  f"a grade of {scale.name}")
            table[scale.canonical_grade(g)] = as_int(m, where, f"{here}.months.{g}", 1)
        out.append(Cycle(as_str_list(c.get("vessel_types"), where, f"{here}.vessel_types", False),
                         table, bool(c.get("other_types", False))))
    require(sum(c.other_types for c in out) <= 1, where, "one cycle takes the other types")
    return scale.name, tuple(out), bases


def parse_inspection_rules(doc: Mapping, where: str = "inspection") -> InspectionRules:
    ratios = _ratio_table(doc.get("ratios"), where, "ratios", False)
    require(set(ratios) == set(LETTERS), where, f"ratios must give every grade {LETTERS}")
    second = _ratio_table(doc.get("second_ratios") or {}, where, "second_ratios", False)
    check = doc.get("round_check") or {}
    bases = {"ratios": parse_basis(doc.get("ratios_basis"), where, "ratios_basis"),
             "second_ratios": parse_basis(doc.get("second_ratios_basis"), where,
                                          "second_ratios_basis"),
             "ungraded_ratio": parse_basis(doc.get("ungraded_ratio_basis"), where,
                                           "ungraded_ratio_basis"),
             "round_check": parse_basis(check.get("basis"), where, "round_check.basis")}
    scheme, cycles, more = _cycles(doc, where)
    return InspectionRules(ratios, second, as_ratio(doc.get("ungraded_ratio"), where, "ungraded_ratio"),
                           as_ratio(check.get("minimum_share"), where, "round_check.minimum_share"),
                           scheme, cycles, {**bases, **more})


#: The installed inspection ratios: ``inspection_rules()``, read and checked once; ``load_inspection_rules(path)``
#: reads and checks another file.
inspection_rules: RuleFile[InspectionRules] = RuleFile("inspection.yaml", parse_inspection_rules)
load_inspection_rules = inspection_rules.load


@dataclass(frozen=True)
class DrawnSubject:
    subject: str
    stratum: str  # AA, A, B, C, D or "ungraded"
    draw: str  # "first" or "second"
    grade: str | None  # the recognised grade as its scheme spells it (or the one it is managed as)
    scheme: str | None
    evaluation: str | None  # uid of the recognised evaluation; None when managed as a grade


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
    """#8: the share of a round's subjects that are "B or below" under ``scheme``."""

    total: int
    at_or_below: int
    share: float
    minimum_share: float
    threshold: str
    ok: bool
    grades: tuple[tuple[str, str | None], ...]  # (subject, grade or None)
    scheme: str | None = None


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


def _scheme_for(region: str, scheme: str | None, label: str = "Enterprise") -> SchemeScale:
    """The scheme asked for, else ``region``'s own for ``label``; :class:`InvalidInput`
    when it has none (never "the newest grade of any scheme")."""
    sc = default_scales()
    if scheme is not None:
        return sc.scheme(scheme)
    own = sc.own_scheme(region, label)
    if own is None:
        raise InvalidInput(message(
            "error.inspection.no_own_scheme", region=region, label=label,
            known=", ".join(s.name for s in sc.schemes.values() if label in s.subjects)))
    return own


def _graded_as(g: RecognizedGrade | None, scale: SchemeScale) -> tuple[str | None, str | None]:
    """(grade, evaluation uid): the recognised grade, or the grade the scheme manages an
    ungraded firm as (evaluation None), or (None, None)."""
    if g is not None and g.evaluation is not None:
        return g.evaluation.grade, g.evaluation.uid
    return scale.ungraded_as, None


def _stratum(grade: str | None, scale: SchemeScale) -> str:
    lv = scale.level_of(grade) if grade else None
    return lv.letter if lv is not None else UNGRADED


def _count(ratio: float, n: int) -> int:
    return min(n, math.ceil(round(ratio * n, 9)))


def _check(grades: Mapping[str, RecognizedGrade], subjects: Iterable[str], scale: SchemeScale,
           minimum: float) -> RoundCheck:
    rows, hits = [], 0
    for s in subjects:
        grade, _ = _graded_as(grades.get(s), scale)
        rows.append((s, grade))
        if scale.is_b_or_below(grade):
            hits += 1
    total = len(rows)
    share = hits / total if total else 0.0
    return RoundCheck(total, hits, share, minimum, "B", total > 0 and share >= minimum,
                      tuple(rows), scale.name)


def check_round(store: Store, subjects: Iterable[str], region: str, as_of,
                scheme: str | None = None, minimum_share: float | None = None) -> RoundCheck:
    """Whether an inspection round meets #8: at least ``minimum_share`` (default 50%) of
    its subjects "B or below" under ``scheme`` (default: the region's own) in ``region`` on
    ``as_of``.

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
    scale = _scheme_for(region, scheme)
    minimum = rules.minimum_share if minimum_share is None else as_ratio(minimum_share, "check_round", "minimum_share")
    subjects = list(dict.fromkeys(subjects))
    grades = grades_in_batches(store, subjects, region, day, scale.name)
    return _check(grades, subjects, scale, minimum)


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
        The scheme whose grades are drawn by; default the region's own (``scales.yaml``
        ``own_in``); a region without one must name it.
    label : str
        Subject label of the population (default ``Enterprise``).

    Returns
    -------
    InspectionDraw
        ``strata`` (ratio, population, drawn uids per draw), ``selected`` (each with its
        stratum, draw and the recognised evaluation) and ``check`` (#8's rule on the round).

    Examples
    --------
    On the demo data, Suzhou's firms on 2026-06-01 under Jiangsu's road scheme (A: 1, B: 1,
    C: 1, D: 1, ungraded: 0)::

        >>> d = inspection_draw(store, "320500", "2026-06-01", seed=7)
        >>> d.scheme, [(s.key, s.population, len(s.first), len(s.second)) for s in d.strata]
        ('道路运输经营者信用评价', [('AA', 0, 0, 0), ('A', 1, 1, 0), ('B', 1, 1, 0), ('C', 1, 1, 0), ('D', 1, 1, 0), ('ungraded', 0, 0, 0)])
        >>> d.check.ok
        True
    """
    rules = inspection_rules()
    day = parse_as_of(as_of)
    region = check_region(region)
    if not isinstance(seed, (int, str)) or isinstance(seed, bool):
        raise InvalidInput(message("error.seed", seed=repr(seed)))
    if label not in schema().subject_labels():
        raise InvalidInput(message("error.inspection.label", label=repr(label)))
    scale = _scheme_for(region, scheme, label)
    first = dict(rules.ratios, **{UNGRADED: rules.ungraded_ratio})
    try:
        first.update(_ratio_table(ratios or {}, "ratios", "ratios", True))
        second = dict(rules.second_ratios)
        second.update(_ratio_table(second_ratios or {}, "second_ratios", "second_ratios", True))
    except DataFileError as exc:
        raise InvalidInput(str(exc)) from None
    population = registered_in(store, region, label)
    grades = grades_in_batches(store, population, region, day, scale.name)
    members: dict[str, list[str]] = {k: [] for k in LETTERS + (UNGRADED,)}
    for uid in sorted(population):
        members[_stratum(_graded_as(grades.get(uid), scale)[0], scale)].append(uid)

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
                grade, evaluation = _graded_as(grades.get(uid), scale)
                selected.append(DrawnSubject(uid, key, draw, grade, scale.name if grade else None,
                                             evaluation))
    check = _check(grades, [d.subject for d in selected], scale, rules.minimum_share)
    return InspectionDraw(region, day, str(seed), scale.name, tuple(strata), tuple(selected), check)


# -- inspection cycles (#6) -------------------------------------------------------------

@dataclass(frozen=True)
class DueShip:
    """A ship whose inspection cycle has run out on ``as_of``."""

    vessel: str
    vessel_type: str | None
    grade: str
    evaluation: str
    cycle_months: int
    last_inspected: dt.date | None  # None: no inspection known; the cycle runs from the grade
    cycle_from: dt.date
    due_on: dt.date
    days_overdue: int


@dataclass(frozen=True)
class InspectionDue:
    region: str
    as_of: dt.date
    scheme: str
    ships: tuple[DueShip, ...]  # most overdue first
    not_graded: int  # ships of the region without a recognised grade under the scheme


def last_inspections(store: Store, vessels: Iterable[str], day: dt.date) -> dict[str, dt.date]:
    """The day each of ``vessels`` was last inspected on or before ``day``, from the
    store's inspection records (a store whose schema has none knows no inspection)."""
    if "Inspection" not in schema().labels:
        return {}
    out: dict[str, dt.date] = {}
    for uid, recs in records_of(store, list(vessels), ["Inspection"], as_of=day).items():
        days = [d for n in recs if (d := record_date(n, "inspected_on")) <= day]
        if days:
            out[uid] = max(days)
    return out


def inspection_due(store: Store, region: str, as_of, scheme: str | None = None) -> InspectionDue:
    """The ships registered in ``region`` whose inspection cycle has run out on ``as_of``
    (#6: "按照船舶的不同种类和安全等级确定差异化检查周期").

    A ship's cycle is the months ``queries/data/inspection.yaml`` gives its kind and the
    grade recognised in ``region`` under the cycle scheme (Zhejiang's ship safety grades,
    #6); it runs from the ship's last inspection, or, none known, from the day its grade
    took effect.  A ship is due once its cycle has run out (``due_on <= as_of``).

    Examples
    --------
    On the demo data, Hangzhou's cargo ship 钱江货18 is graded C from 2026-04-01: its cycle
    of four months runs out on 2026-08-01.  Nantong's ships have no grade of this scheme (the five demo ships registered there)::

        >>> [(s.vessel, s.cycle_months, str(s.due_on)) for s in inspection_due(
        ...     store, "330100", "2026-08-01").ships]
        [('Vessel:CN20190330117', 4, '2026-08-01')]
        >>> d = inspection_due(store, "320600", "2026-11-01")
        >>> d.scheme, d.ships, d.not_graded
        ('内河运输船舶安全等级评定', (), 5)
    """
    rules = inspection_rules()
    day = parse_as_of(as_of)
    region = check_region(region)
    if not rules.cycles:
        raise InvalidInput(message("error.inspection.no_cycles"))
    scale = default_scales().scheme(scheme) if scheme is not None else \
        default_scales().scheme(rules.cycle_scheme)
    if scale.name != rules.cycle_scheme:
        raise InvalidInput(message("error.inspection.cycle_scheme", scheme=rules.cycle_scheme))
    vessels = registered_in(store, region, "Vessel")
    grades = grades_in_batches(store, vessels, region, day, scale.name)
    nodes = store.get_nodes(vessels)
    last = last_inspections(store, vessels, day)
    ships, ungraded = [], 0
    for uid in sorted(vessels):
        g = grades.get(uid)
        if g is None or g.evaluation is None:
            ungraded += 1
            continue
        vtype = nodes[uid].props.get("vessel_type") if uid in nodes else None
        cycle = rules.cycle_for(vtype)
        months = cycle.months.get(g.evaluation.grade) if cycle else None
        if months is None:
            ungraded += 1
            continue
        start = last.get(uid) or g.evaluation.valid_from
        due = months_after(start, months)
        if due <= day:
            ships.append(DueShip(uid, vtype, g.evaluation.grade, g.evaluation.uid, months,
                                 last.get(uid), start, due, (day - due).days))
    ships.sort(key=lambda s: (-s.days_overdue, s.vessel))
    return InspectionDue(region, day, scale.name, tuple(ships), ungraded)
