"""Grade scales as data: every scheme's ordered grades on one common severity.

The scales live in ``queries/data/scales.yaml``.  Each scheme (the five levels AA…D and
行业失信, Suzhou's four levels, the Yangtze four colours, taxi-driver stars, Henan's codes,
Sichuan's risk levels, …) lists its grades best first, each on a common *level*
(``excellent, good, fair, poor, bad, dishonest``); a level's *severity* is its position, so
grades of different schemes compare by severity.  This is what lets a Suzhou regulator act
on a Wuxi grade (rule 4) and what the discipline triggers and inspection ratios read.

Examples
--------
>>> s = scales()
>>> s.grade_level("道路运输经营者信用评价", "D").code
'bad'
>>> s.grade_level("长江航运信用评价", "黄码").letter
'C'
>>> s.grade_level("长江航运信用评价", "红码").severity > s.grade_level("道路运输经营者信用评价", "B").severity
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from graph_model import regions as _regions
from graph_model.i18n import message
from graph_model.schema import schema
from queries.dates import InvalidInput
from queries.rules.basis import Basis, parse_basis
from queries.rules.rulefile import RuleFile, as_str_list, require

__all__ = ["Level", "SchemeScale", "Scales", "scales", "load_scales", "parse_scales"]


@dataclass(frozen=True)
class Level:
    """A level of the common scale: ``severity`` 0 is the best."""

    code: str
    name: str
    letter: str
    severity: int


@dataclass(frozen=True)
class SchemeScale:
    """One scheme's grades, best first, each on a common level."""

    name: str
    doc: str
    aliases: tuple[str, ...]
    grades: tuple[tuple[str, Level], ...]
    lookup: Mapping[str, tuple[str, Level]] = field(repr=False, compare=False, default_factory=dict)
    subjects: tuple[str, ...] = ()  # the subject labels it grades
    own_in: tuple[tuple[str, Basis], ...] = ()  # regions whose own scheme it is
    b_or_below: frozenset[str] = frozenset()  # canonical grades counting as "B or below" (#8)
    b_or_below_basis: Basis | None = None
    ungraded_as: str | None = None  # the grade a registered firm without one is managed as
    ungraded_basis: Basis | None = None

    def is_b_or_below(self, grade: str | None) -> bool:
        """Whether ``grade`` counts as "B or below" under this scheme (#8, rule 20)."""
        return grade is not None and self.canonical_grade(grade) in self.b_or_below

    def level_of(self, grade: str) -> Level | None:
        """The common level of ``grade`` (or of one of its aliases); None if not in the scale."""
        hit = self.lookup.get(str(grade).strip())
        return hit[1] if hit else None

    def canonical_grade(self, grade: str) -> str | None:
        """The grade as the scale spells it (``优秀`` -> ``AA``); None if not in the scale."""
        hit = self.lookup.get(str(grade).strip())
        return hit[0] if hit else None

    def grades_at_least(self, severity: int) -> tuple[str, ...]:
        """Every spelling (grades and aliases) of the grades at ``severity`` or worse."""
        return tuple(sorted(g for g, (_, lv) in self.lookup.items() if lv.severity >= severity))


@dataclass(frozen=True)
class Scales:
    """The common levels and every scheme, as read from the data file."""

    levels: tuple[Level, ...]
    schemes: Mapping[str, SchemeScale]
    names: Mapping[str, str] = field(repr=False, compare=False, default_factory=dict)
    source: str = ""

    def level(self, code: str) -> Level:
        """The common level named ``code`` (``'bad'``); raises :class:`InvalidInput`."""
        for lv in self.levels:
            if lv.code == code:
                return lv
        raise InvalidInput(message("error.scales.level", level=repr(code),
                                   known=", ".join(l.code for l in self.levels)))

    def find_scheme(self, name: str | None) -> SchemeScale | None:
        """The scheme named ``name`` or one of its aliases; None if unknown."""
        if not isinstance(name, str):
            return None
        canonical = self.names.get(name.strip())
        return self.schemes[canonical] if canonical else None

    def scheme(self, name) -> SchemeScale:
        """The scheme named ``name``; raises :class:`InvalidInput` for an unknown scheme."""
        found = self.find_scheme(name)
        if found is None:
            raise InvalidInput(message("error.scales.scheme", scheme=repr(name),
                                       known=", ".join(self.schemes)))
        return found

    def grade_level(self, scheme: str, grade: str) -> Level | None:
        """The common level of ``grade`` under ``scheme``; None when either is unknown."""
        found = self.find_scheme(scheme)
        return found.level_of(grade) if found else None

    def own_scheme(self, region: str, label: str = "Enterprise") -> SchemeScale | None:
        """The scheme that is ``region``'s own for ``label`` subjects: the one given for the
        nearest of the region and the regions above it (Hangzhou's is Zhejiang's), or None.

        >>> scales().own_scheme("330100").name
        '道路运输经营者信用评价'
        >>> scales().own_scheme("330100", "Vessel").name
        '内河运输船舶安全等级评定'
        >>> scales().own_scheme("440300") is None
        True
        """
        chain = (region, *_regions.ancestors(region)) if _regions.is_known(region) else (region,)
        for code in chain:
            for s in self.schemes.values():
                if label in s.subjects and any(r == code for r, _ in s.own_in):
                    return s
        return None


def parse_scales(doc: Mapping, where: str = "scales") -> Scales:
    """Build and check :class:`Scales` from a parsed document.

    Raises
    ------
    queries.rules.rulefile.DataFileError
        For an empty or malformed level list, an unknown level, a scheme or alias named
        twice, a grade mapped twice within a scheme (also through an alias) or grades whose
        levels get better further down a scheme's best-first list.
    """
    raw_levels = doc.get("levels")
    require(isinstance(raw_levels, list) and raw_levels, where, "levels must be a non-empty list")
    levels: list[Level] = []
    for i, item in enumerate(raw_levels):
        require(isinstance(item, Mapping), where, f"levels[{i}] must be a mapping")
        code, name, letter = item.get("code"), item.get("name"), item.get("letter")
        for key, val in (("code", code), ("name", name), ("letter", letter)):
            require(isinstance(val, str) and val, where, f"levels[{i}].{key} must be a non-empty string")
        require(all(lv.code != code for lv in levels), where, f"level {code!r} is listed twice")
        levels.append(Level(code, name, letter, i))
    by_code = {lv.code: lv for lv in levels}

    raw_schemes = doc.get("schemes")
    require(isinstance(raw_schemes, list) and raw_schemes, where, "schemes must be a non-empty list")
    schemes: dict[str, SchemeScale] = {}
    names: dict[str, str] = {}
    for i, item in enumerate(raw_schemes):
        require(isinstance(item, Mapping), where, f"schemes[{i}] must be a mapping")
        sname = item.get("name")
        require(isinstance(sname, str) and sname.strip(), where, f"schemes[{i}] needs a name")
        sname = sname.strip()
        here = f"{where}: scheme {sname!r}"
        aliases = as_str_list(item.get("aliases"), here, "aliases")
        for n in (sname, *aliases):
            require(n not in names, where, f"scheme name {n!r} is used twice "
                    f"({names.get(n)!r} and {sname!r})")
            names[n] = sname
        raw_grades = item.get("grades")
        require(isinstance(raw_grades, list) and raw_grades, here, "grades must be a non-empty list")
        grades: list[tuple[str, Level]] = []
        lookup: dict[str, tuple[str, Level]] = {}
        worst = -1
        for j, g in enumerate(raw_grades):
            require(isinstance(g, Mapping), here, f"grades[{j}] must be a mapping")
            grade, code = g.get("grade"), g.get("level")
            require(isinstance(grade, str) and grade.strip(), here, f"grades[{j}] needs a grade")
            grade = grade.strip()
            require(code in by_code, here, f"grade {grade!r} is mapped to unknown level {code!r}; "
                    f"levels are {', '.join(by_code)}")
            lv = by_code[code]
            require(lv.severity >= worst, here, f"grade {grade!r} ({code}) is listed after a worse "
                    "grade; list grades best first")
            worst = lv.severity
            for spelling in (grade, *as_str_list(g.get("aliases"), here, f"aliases of {grade!r}")):
                require(spelling not in lookup, here,
                        f"maps grade {spelling!r} twice (as {lookup.get(spelling, ('',))[0]!r} "
                        f"and as {grade!r})")
                lookup[spelling] = (grade, lv)
            grades.append((grade, lv))
        schemes[sname] = _scheme_rules(item, here, SchemeScale(
            sname, str(item.get("doc", "")), aliases, tuple(grades), lookup))
    return Scales(tuple(levels), schemes, names, where)


def _scheme_rules(item: Mapping, here: str, scale: SchemeScale) -> SchemeScale:
    """What a scheme says beyond its grades: the subjects it grades, where it is the own
    scheme, its "B or below" and the grade of an ungraded firm, each with its basis."""
    subjects = as_str_list(item.get("subjects"), here, "subjects", False)
    bad = sorted(set(subjects) - set(schema().subject_labels()))
    require(not bad, here, f"subjects: {bad} are not subject labels")
    own = []
    for i, o in enumerate(item.get("own_in") or []):
        require(isinstance(o, Mapping) and _regions.is_known(str(o.get("region", ""))), here,
                f"own_in[{i}] needs a known region code")
        own.append((str(o["region"]), parse_basis(o.get("basis"), here, f"own_in[{i}].basis")))
    require("b_or_below" in item, here, "b_or_below must list the grades counting as B or "
                                        "below (#8), or be empty")
    low = set()
    for g in as_str_list(item.get("b_or_below"), here, "b_or_below"):
        require(scale.canonical_grade(g) is not None, here, f"b_or_below: {g!r} is not a grade")
        low.add(scale.canonical_grade(g))
    ungraded = item.get("ungraded_as")
    require(ungraded is None or scale.canonical_grade(ungraded) is not None, here,
            f"ungraded_as: {ungraded!r} is not a grade")
    return SchemeScale(
        scale.name, scale.doc, scale.aliases, scale.grades, scale.lookup, subjects, tuple(own),
        frozenset(low), parse_basis(item.get("b_or_below_basis"), here, "b_or_below_basis"),
        scale.canonical_grade(ungraded) if ungraded else None,
        parse_basis(item.get("ungraded_basis"), here, "ungraded_basis") if ungraded else None)


#: The installed grade scales: ``scales()``, read and checked once; ``load_scales(path)``
#: reads and checks another file of grade scales.
scales: RuleFile[Scales] = RuleFile("scales.yaml", parse_scales)
load_scales = scales.load
