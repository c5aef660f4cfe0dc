"""What the rule modules share: dates, grade scales, the rule data files."""

from __future__ import annotations

import datetime as dt
import re
import textwrap

import pytest
import yaml

from queries.dates import InvalidInput, parse_as_of
from queries.rules.discipline import load_discipline_rules
from queries.rules.inspection import load_inspection_rules
from queries.rules.repair import load_repair_catalogue
from queries.rules.rulefile import DataFileError
from queries.rules.scales import load_scales, scales
from tests.support.cases import case_texts, walk
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

def test_grades_of_different_schemes_compare_on_one_severity(english):
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
    subjects: [Enterprise]
    b_or_below: []
    b_or_below_basis: {local_default: true, note: none}
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
        "not a grade": SCALE_HEAD.replace("b_or_below: []", "b_or_below: [C]")
                       + "      - {grade: A, level: good}\n",
        "name a case": SCALE_HEAD.replace("b_or_below_basis: {local_default: true, note: none}",
                                            "b_or_below_basis: {}") + "      - {grade: A, level: good}\n",
        "b_or_below must list": SCALE_HEAD.replace("    b_or_below: []\n", "")
                                + "      - {grade: A, level: good}\n",
    }
    for message, text in cases.items():
        with pytest.raises(DataFileError, match=message):
            load_scales(_write(tmp_path, text))
    assert len(load_scales(_write(tmp_path, SCALE_HEAD + "      - {grade: A, level: good}\n")).schemes) == 1


def test_the_installed_rule_files_are_valid():
    # Loading checks them: every measure known, every path possible, every grade mapped once.
    rules = load_discipline_rules()
    assert {m.code: m.strength for m in rules.measures if m.code in (
        "bidding_limit", "no_tolerance_processing", "higher_inspection_ratio",
        "exclude_incentive_lists")} == {
        "bidding_limit": "RESTRICT", "no_tolerance_processing": "RESTRICT",
        "higher_inspection_ratio": "SUPERVISE", "exclude_incentive_lists": "INCENTIVE_LOSS"}
    assert load_repair_catalogue().periods == {"一般": (3, 12), "严重": (12, 36)}
    assert load_inspection_rules().ratios == {"AA": .10, "A": .15, "B": .20, "C": .25, "D": .30}


DISCIPLINE_OK = """\
measures:
  - {code: m1, name: 措施, strength: SUPERVISE, applies_to: [Enterprise, Vehicle], basis: {case: 3, quote: 重点监管}}
  - {code: r1, name: 限制, strength: RESTRICT, applies_to: [Enterprise, Vehicle], basis: {case: 8, quote: 禁入}}
triggers:
  - {code: t1, record: ListEntry, list_kinds: [严重失信], effects: [{measures: [m1], basis: {case: 3, quote: 重点监管}}]}
propagation:
  - code: p1
    reaches: related
    from: [Enterprise]
    triggers: [t1]
    path: [{rel: [OWNS], direction: out, to: [Vehicle]}]
    measures: [m1]
    basis: {case: 3, quote: 车}
"""


def test_malformed_discipline_rules_are_clear_errors(tmp_path):
    assert load_discipline_rules(_write(tmp_path, DISCIPLINE_OK)).propagation[0].code == "p1"
    cases = {
        "unknown measures": DISCIPLINE_OK.replace("measures: [m1]\n", "measures: [m2]\n", 1),
        "strength must be": DISCIPLINE_OK.replace("strength: SUPERVISE", "strength: STRONG"),
        "every rule needs a basis": DISCIPLINE_OK.replace(", basis: {case: 3, quote: 重点监管}}\n  - {code: r1",
                                                          "}\n  - {code: r1"),
        "needs the words quoted": DISCIPLINE_OK.replace("{case: 3, quote: 车}", "{case: 3}"),
        "local default needs a note": DISCIPLINE_OK.replace("{case: 3, quote: 车}", "{local_default: true}"),
        # rule 15: a related subject gets no restriction without a rule of its own saying so
        "need `restricts: true`": DISCIPLINE_OK.replace("    measures: [m1]\n    basis",
                                                       "    measures: [r1]\n    basis"),
        "carries no measure": DISCIPLINE_OK.replace("    measures: [m1]\n    basis",
                                                    "    carries: [RESTRICT]\n    basis"),
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
    allowed = DISCIPLINE_OK.replace("    measures: [m1]\n    basis",
                                    "    measures: [r1]\n    restricts: true\n    basis")
    assert load_discipline_rules(_write(tmp_path, allowed)).propagation[0].measures == ("r1",)


def test_malformed_repair_and_inspection_files_are_clear_errors(tmp_path):
    repair = _write(tmp_path, """\
        publication: {一般: {minimum_months: 13, maximum_months: 12, basis: {local_default: true, note: x}}}
        default_severity: 一般
        modes: {承诺: {doc: x, basis: {local_default: true, note: x}}}
        violations: {default_mode: 承诺, basis: {local_default: true, note: x}}
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


# -- sources (DOMAIN.md rule 24) ----------------------------------------------------------

#: (the scoring schemes of queries/data/schemes/ are checked by their own loader and
#: tests/unit/test_scoring_schemes.py)
RULE_FILES = ("discipline.yaml", "scales.yaml", "repair.yaml", "inspection.yaml", "commitments.yaml", "reminders.yaml",
              "jurisdiction.yaml", "events.yaml", "admission.yaml", "objections.yaml")


def _docs():
    for name in RULE_FILES:
        yield name, yaml.safe_load(_installed(name))


def test_every_quote_is_found_word_for_word_in_the_case_it_names():
    cases = case_texts()
    quotes = 0
    for name, doc in _docs():
        for path, node in walk(doc):
            if isinstance(node, dict) and "quote" in node:
                quotes += 1
                assert re.sub(r"\s+", "", node["quote"]) in cases[node["case"]], (name, path)
    assert quotes >= 40


def test_a_quote_not_in_its_case_would_be_found_out():
    cases = case_texts()
    assert re.sub(r"\s+", "", "四市对重点监管对象平均增加了 25% 的日常检查频次") in cases[3]
    assert "四市对重点监管对象平均增加了30%的日常检查频次" not in cases[3]  # a changed figure
    assert re.sub(r"\s+", "", "四市对重点监管对象平均增加了 25% 的日常检查频次") not in cases[4]


def _has_basis(doc, path) -> bool:
    """Whether the figure at ``path`` has a basis: a ``basis`` beside it or above it, or a
    ``<key>_basis`` beside the branch it is in."""
    node = doc
    for key in path:
        if isinstance(node, dict) and ("basis" in node or f"{key}_basis" in node):
            return True
        node = node[key]
    return False


def test_every_figure_in_the_rule_data_cites_a_source_or_is_a_local_default():
    figures = 0
    for name, doc in _docs():
        for path, node in walk(doc):
            if any(str(k).endswith("basis") for k in path):
                continue  # the case numbers of the bases themselves
            if isinstance(node, (int, float)) and not isinstance(node, bool):
                figures += 1
                assert _has_basis(doc, path), (name, path, node)
    assert figures >= 20  # (the scoring schemes hold most: checked by their own loader)
    bare = {"ratios": {"AA": 0.1}}
    assert not _has_basis(bare, ("ratios", "AA"))
    assert _has_basis({**bare, "ratios_basis": {}}, ("ratios", "AA"))


def test_invented_figures_are_gone_and_local_defaults_say_so():
    doc = yaml.safe_load(_installed("scales.yaml"))
    yangtze = next(s for s in doc["schemes"] if s["name"] == YANGTZE)
    assert "%" not in yangtze["doc"]  # no colour shares the case does not give
    repair = yaml.safe_load(_installed("repair.yaml"))
    assert not any("示例" in e.get("why", "") for e in repair["violations"]["entries"])
    assert repair["violations"]["basis"]["local_default"] is True
