"""The grade distribution of a region: how the subjects registered in it are graded, as
recognised there (:mod:`queries.rules.recognition`), by level of the common scale and by
grade.  What a city's dashboard shows first."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from graph_model.store.port import Store
from queries.dates import parse_as_of
from queries.rules.jurisdiction import check_region
from queries.rules.recognition import grades_in_batches, registered_in
from queries.rules.scales import Level, Scales, scales as default_scales

__all__ = ["LevelCount", "GradeCount", "GradeDistribution", "grade_distribution"]


@dataclass(frozen=True)
class LevelCount:
    """Subjects at one level of the common scale, and their share of the population."""

    level: Level
    count: int
    share: float  # of the population, 4 decimals; 0 for an empty population


@dataclass(frozen=True)
class GradeCount:
    """Subjects with one grade of one scheme."""

    scheme: str
    grade: str
    count: int


@dataclass(frozen=True)
class GradeDistribution:
    region: str
    as_of: dt.date
    scheme: str | None
    population: int
    levels: tuple[LevelCount, ...]  # every level of the scales, best first
    grades: tuple[GradeCount, ...]  # by scheme, most frequent grade first

    @property
    def graded(self) -> int:
        return sum(lc.count for lc in self.levels)

    @property
    def ungraded(self) -> int:
        return self.population - self.graded


def grade_distribution(store: Store, region: str, as_of, scheme: str | None = None, *,
                       label: str = "Enterprise", scales: Scales | None = None
                       ) -> GradeDistribution:
    """How the ``label`` subjects registered in ``region`` are graded there on ``as_of``.

    Raises
    ------
    queries.dates.InvalidInput
        An unknown region or scheme, or a bad date.

    Examples
    --------
    On the demo data, Suzhou's four firms::

        >>> d = grade_distribution(store, "320500", "2026-06-01")
        >>> d.population, d.graded, [(lc.level.letter, lc.count) for lc in d.levels if lc.count]
        (4, 4, [('A', 1), ('B', 1), ('C', 1), ('D', 1)])
    """
    scales = scales or default_scales()
    day = parse_as_of(as_of)
    region = check_region(region)
    if scheme is not None:
        scales.scheme(scheme)  # an unknown scheme is an error even without subjects
    population = registered_in(store, region, label)
    levels, by_grade = Counter(), Counter()
    for g in grades_in_batches(store, population, region, day, scheme).values():
        if g.found and g.level is not None:
            levels[g.level.code] += 1
            by_grade[(g.evaluation.scheme, g.grade)] += 1
    n = len(population)
    return GradeDistribution(
        region, day, scheme, n,
        tuple(LevelCount(lv, levels.get(lv.code, 0),
                         round(levels.get(lv.code, 0) / n, 4) if n else 0.0)
              for lv in scales.levels),
        tuple(GradeCount(s, g, c)
              for (s, g), c in sorted(by_grade.items(), key=lambda kv: (kv[0][0], -kv[1]))))
