"""Weighted evaluators (#7, #11): a subject's reviews by kinds of evaluator, each kind with
its weight, and the scheme's outlier rule, as data (``evaluators`` in a scheme file).

Every evaluator (考核单位: one 监理单位, one student) is a *unit*: its score is the mean of
its reviews, each taken as a share of its full marks.  A kind's weight is shared equally
among its units.  With at least ``min_evaluators`` units, a unit whose score lies more than
``k`` scaled median absolute deviations from the median of all units' scores keeps only
``factor`` of its weight (#11: "对考核单位评分差别较大的，视情降低其评分权重").  The composite
is the weighted mean of the units' scores, and every review's share of it is shown.

Examples
--------
>>> from queries.scoring.schemes import Evaluators, Outlier
>>> from queries.rules.basis import Basis
>>> b = Basis(local_default=True, note="x")
>>> ev = Evaluators({"建设单位": 1.0, "监理单位": 1.0, "质监机构": 1.0, "主管部门": 1.0}, 100, 12,
...                 Outlier(2.5, 0.5, 3, 2.0, b, b), b, b)
>>> rows = [("r1", "建设单位", "a", 90, 100), ("r2", "监理单位", "b", 88, 100),
...         ("r3", "质监机构", "c", 86, 100), ("r4", "主管部门", "d", 40, 100)]
>>> s = weigh(ev, rows)
>>> [(u.kind, u.outlier) for u in s.units]
[('主管部门', True), ('建设单位', False), ('监理单位', False), ('质监机构', False)]
>>> round(s.composite, 2), round(s.uncorrected, 2)
(81.14, 76.0)
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Iterable

from queries.scoring.schemes import Evaluators

__all__ = ["ReviewEffect", "Unit", "EvaluatorScore", "weigh", "MAD_SCALE"]

#: The MAD of a normal sample times this estimates its standard deviation.
MAD_SCALE = 1.4826


@dataclass(frozen=True)
class ReviewEffect:
    """One review and its share of the composite."""

    record: str
    kind: str
    unit: str  # "<kind>#<n>": the evaluator, never its identity
    score: float
    max_score: float | None
    normalised: float
    weight: float  # its share of the composite (all reviews' shares add up to 1)
    contribution: float  # weight * normalised


@dataclass(frozen=True)
class Unit:
    """An evaluator (考核单位) and what the outlier rule did to its weight."""

    unit: str
    kind: str
    reviews: int
    score: float
    weight: float  # the kind's weight shared among its units
    corrected_weight: float
    outlier: bool
    reason: str


@dataclass(frozen=True)
class EvaluatorScore:
    composite: float
    uncorrected: float  # the composite had no weight been lowered
    median: float | None
    mad: float | None  # scaled (x1.4826); None when too few units for the rule
    units: tuple[Unit, ...]
    reviews: tuple[ReviewEffect, ...]


def weigh(rule: Evaluators, reviews: Iterable[tuple[str, str, str, float, float | None]]
          ) -> EvaluatorScore | None:
    """The composite of ``reviews`` — (record uid, evaluator kind, evaluator key, score,
    full marks or None) — under ``rule``; None when no review is of a weighted kind."""
    by_unit: dict[tuple[str, str], list[tuple[str, float, float | None, float]]] = {}
    for uid, kind, key, score, top in reviews:
        if kind not in rule.weights or rule.weights[kind] <= 0:
            continue
        norm = float(score) / float(top) * rule.full_marks if top else float(score)
        by_unit.setdefault((kind, key), []).append((uid, float(score), top, norm))
    if not by_unit:
        return None
    per_kind: dict[str, int] = {}
    for kind, _ in by_unit:
        per_kind[kind] = per_kind.get(kind, 0) + 1
    names: dict[tuple[str, str], str] = {}
    seen: dict[str, int] = {}
    for kind, key in sorted(by_unit):
        seen[kind] = seen.get(kind, 0) + 1
        names[(kind, key)] = f"{kind}#{seen[kind]}"
    scores = {u: sum(r[3] for r in rows) / len(rows) for u, rows in by_unit.items()}
    median = mad = None
    out_rule = rule.outlier
    if out_rule is not None and len(scores) >= out_rule.min_evaluators:
        median = statistics.median(scores.values())
        mad = MAD_SCALE * statistics.median(abs(s - median) for s in scores.values())
    units = []
    for u in sorted(by_unit):
        kind = u[0]
        weight = rule.weights[kind] / per_kind[kind]
        outlier = median is not None and out_rule.is_outlier(scores[u], median, mad)
        corrected = weight * out_rule.factor if outlier else weight
        reason = (f"{scores[u]:.2f} is {abs(scores[u] - median):.2f} from the median {median:.2f}, "
                  f"beyond {out_rule.k:g} x MAD {max(mad, out_rule.min_mad):.2f}: weight x "
                  f"{out_rule.factor:g}") if outlier else ""
        units.append(Unit(names[u], kind, len(by_unit[u]), scores[u], weight, corrected, outlier,
                          reason))
    total = sum(x.corrected_weight for x in units)
    plain = sum(x.weight for x in units)
    uncorrected = sum(x.weight * x.score for x in units) / plain
    if total <= 0:  # every unit dropped: nothing to weigh
        return EvaluatorScore(uncorrected, uncorrected, median, mad, tuple(units), ())
    effects = []
    for x, u in zip(units, sorted(by_unit)):
        rows = by_unit[u]
        for uid, score, top, norm in rows:
            share = x.corrected_weight / total / len(rows)
            effects.append(ReviewEffect(uid, x.kind, x.unit, score, top, norm, share, share * norm))
    composite = sum(e.contribution for e in effects)
    return EvaluatorScore(composite, uncorrected, median, mad, tuple(units), tuple(effects))
