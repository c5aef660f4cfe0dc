"""What the rule modules share: dates, grade scales, the rule data files."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from queries.dates import InvalidInput, parse_as_of
from queries.rules.discipline import load_discipline_rules
from queries.rules.inspection import load_inspection_rules
from queries.rules.repair import load_repair_catalogue
from queries.rules.rulefile import DataFileError
from queries.rules.scales import load_scales, scales
from tests.support.graph import ROAD5, YANGTZE

# -- dates --------------------------------------------------------------------------------

def test_as_of_accepts_dates_and_iso_strings_only():
    assert parse_as_of("2026-06-01") == dt.date(2026, 6, 1)
    assert parse_as_of(dt.date(2026, 6, 1)) == dt.date(2026, 6, 1)
    assert parse_as_of(dt.datetime(2026, 6, 1, 13, 5)) == dt.date(2026, 6, 1)
    for bad in ("2026-02-30", "2026/06/01", "yesterday", "", 20260601, None):
        with pytest.raises(InvalidInput, match="as_of"):
            parse_as_of(bad)
    assert issubclass(InvalidInput, ValueError)


# -- grade scales -------------------------------------------------------------------------

def test_grades_of_different_schemes_compare_on_one_severity():
    s = scales()
    d, red = s.grade_level(ROAD5, "D"), s.grade_level(YANGTZE, "红码")
    assert d == red and d.code == "bad"
    assert s.grade_level(ROAD5, "行业失信").severity > d.severity  # below D (#8)
    assert s.grade_level(ROAD5, "优秀") == s.grade_level(ROAD5, "AA")  # alias
    assert s.grade_level("苏州市道路运输企业分类分级评价", "A").letter == "A"
    assert s.grade_level(YANGTZE, "绿码").letter == "A"  # shares 20/65/12/3 read as A/B/C/D
    assert s.grade_level("两客一危企业信用画像", "低风险").letter == "B"  # never better than known
    assert s.grade_level(ROAD5, "E") is None and s.grade_level("无此体系", "A") is None
    with pytest.raises(InvalidInput, match="unknown evaluation scheme"):
        s.scheme("无此体系")


def _write(tmp_path, text, name="f.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


SCALE_HEAD = """\
levels:
  - {code: good, name: 好, letter: A}
  - {code: bad, name: 差, letter: D}
schemes:
  - name: 测试体系
    grades:
"""


def test_a_scheme_that_maps_a_grade_twice_is_refused(tmp_path):
    twice = SCALE_HEAD + "      - {grade: A, level: good}\n      - {grade: A, level: bad}\n"
    with pytest.raises(DataFileError, match="maps grade 'A' twice"):
        load_scales(_write(tmp_path, twice))
    alias = SCALE_HEAD + "      - {grade: A, level: good}\n      - {grade: D, level: bad, aliases: [A]}\n"
    with pytest.raises(DataFileError, match="maps grade 'A' twice"):
        load_scales(_write(tmp_path, alias))


def test_malformed_scales_are_clear_errors(tmp_path):
    cases = {
        "unknown level": SCALE_HEAD + "      - {grade: A, level: great}\n",
        "best first": SCALE_HEAD + "      - {grade: D, level: bad}\n      - {grade: A, level: good}\n",
        "given twice": SCALE_HEAD.replace("schemes:", "levels: []\nschemes:"),
        "used twice": SCALE_HEAD + "      - {grade: A, level: good}\n  - name: 测试体系\n"
                      "    grades: [{grade: A, level: good}]\n",
    }
    for message, text in cases.items():
        with pytest.raises(DataFileError, match=message):
            load_scales(_write(tmp_path, text))
    assert len(load_scales(_write(tmp_path, SCALE_HEAD + "      - {grade: A, level: good}\n")).schemes) == 1


def test_the_installed_rule_files_are_valid():
    # Loading checks them: every measure known, every path possible, every grade mapped once.
    assert {m.code for m in load_discipline_rules().measures} >= {
        "bidding_limit", "no_tolerance_processing", "higher_inspection_ratio", "exclude_incentives",
        "exclude_green_lane", "subsidy_limit", "market_entry_limit", "stop_dispatch"}
    assert load_repair_catalogue().periods == {"一般": (3, 12), "严重": (12, 36)}
    assert load_inspection_rules().ratios == {"AA": .10, "A": .15, "B": .20, "C": .25, "D": .30}


DISCIPLINE_OK = """\
measures:
  - {code: m1, name: 措施, applies_to: [Enterprise, Vehicle]}
triggers:
  - {code: t1, record: ListEntry, list_kinds: [严重失信], measures: [m1]}
propagation:
  - code: p1
    from: [Enterprise]
    triggers: [t1]
    path: [{rel: [OWNS], direction: out, to: [Vehicle]}]
    measures: [m1]
"""


def test_malformed_discipline_rules_are_clear_errors(tmp_path):
    assert load_discipline_rules(_write(tmp_path, DISCIPLINE_OK)).propagation[0].code == "p1"
    cases = {
        "unknown measures": DISCIPLINE_OK.replace("measures: [m1]\n", "measures: [m2]\n", 1),
        "cannot lead": DISCIPLINE_OK.replace("direction: out", "direction: in"),
        "not a traversal": DISCIPLINE_OK.replace("rel: [OWNS]", "rel: [ABOUT]"),
        "unknown triggers": DISCIPLINE_OK.replace("triggers: [t1]", "triggers: [t9]"),
        "cannot be taken against": DISCIPLINE_OK.replace("applies_to: [Enterprise, Vehicle]",
                                                         "applies_to: [Enterprise]"),
        "given twice": DISCIPLINE_OK + "measures: []\n",
    }
    for message, text in cases.items():
        with pytest.raises(DataFileError, match=message):
            load_discipline_rules(_write(tmp_path, text))


def test_malformed_repair_and_inspection_files_are_clear_errors(tmp_path):
    repair = _write(tmp_path, """\
        publication: {一般: {minimum_months: 13, maximum_months: 12}}
        default_severity: 一般
        modes: {承诺: x}
        default_mode: 承诺
        """)
    with pytest.raises(DataFileError, match="minimum period is longer"):
        load_repair_catalogue(repair)
    ratios = _write(tmp_path, _installed("inspection.yaml").replace("D: 0.30}", "D: 1.30}"))
    with pytest.raises(DataFileError, match="between 0 and 1"):
        load_inspection_rules(ratios)


def _installed(name: str) -> str:
    """The text of an installed rule data file."""
    from importlib import resources

    return resources.files("queries").joinpath("data", name).read_text(encoding="utf-8")
