"""A small graph builder for the credit-rule tests (imported by the other test_rules_* files),
and the tests of what the rule modules share: dates, grade scales, the rule data files."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import defaultdict

import pandas as pd
import pytest

from queries.dates import InvalidInput, parse_as_of
from queries.rules.discipline import load_discipline_rules
from queries.rules.inspection import load_inspection_rules
from queries.rules.repair import load_repair_catalogue
from queries.rules.rulefile import DataFileError
from queries.rules.scales import load_scales, scales
from queries.rules.scoring import load_score_scheme

KEYS = {"Region": "code", "Agreement": "agreement_key", "Enterprise": "uscc", "Person": "id_hash",
        "Vehicle": "plate", "Vessel": "vessel_id", "Penalty": "decision_no",
        "Evaluation": "evaluation_key", "ListEntry": "entry_key", "Commitment": "commitment_key",
        "Repair": "repair_key"}
ROAD5 = "道路运输经营者信用评价"
YANGTZE = "长江航运信用评价"
SUZHOU, WUXI, CHANGZHOU, NANTONG, HANGZHOU = "320500", "320200", "320400", "320600", "330100"
WUZHONG, KUNSHAN, XINWU = "320506", "320583", "320214"  # counties of Suzhou, Suzhou, Wuxi


class RulesGraph:
    """Collects subjects, records and agreements, then writes them in one transaction."""

    def __init__(self, store):
        self.store = store
        self.nodes: dict[str, dict[str, dict]] = defaultdict(dict)
        self.edges: dict[str, list[dict]] = defaultdict(list)

    def node(self, label: str, key: str, **props) -> str:
        self.nodes[label][key] = {KEYS[label]: key, **{k: v for k, v in props.items() if v is not None}}
        return f"{label}:{key}"

    def rel(self, rel_type: str, src: str, dst: str, **props) -> None:
        self.edges[rel_type].append({"src": src, "dst": dst, **props})

    # subjects
    def firm(self, key: str, region: str = SUZHOU, **props) -> str:
        return self.node("Enterprise", key, name=props.pop("name", key), region_code=region, **props)

    def person(self, key: str, region: str | None = None, **props) -> str:
        return self.node("Person", key, name=props.pop("name", key), region_code=region, **props)

    def vehicle(self, plate: str, region: str = SUZHOU, owner: str | None = None) -> str:
        uid = self.node("Vehicle", plate, region_code=region)
        if owner:
            self.rel("OWNS", owner, uid)
        return uid

    def vessel(self, vid: str, region: str = NANTONG, owner: str | None = None) -> str:
        uid = self.node("Vessel", vid, name=vid, region_code=region)
        if owner:
            self.rel("OWNS", owner, uid)
        return uid

    # context
    def agreement(self, name: str, members, effective_from: str = "2023-03-01",
                  effective_to: str | None = None, schemes=(), list_kinds=()) -> str:
        uid = self.node("Agreement", name, name=name, effective_from=effective_from,
                        effective_to=effective_to, schemes=list(schemes), list_kinds=list(list_kinds))
        for code in members:
            self.node("Region", code, name=code, level="city")
            self.rel("MEMBER_OF", f"Region:{code}", uid)
        return uid

    # records
    def _record(self, label: str, key: str, subject: str, **props) -> str:
        uid = self.node(label, key, subject_uid=subject, **props)
        self.rel("ABOUT", uid, subject)
        return uid

    def grade(self, subject: str, grade: str, region: str = SUZHOU, valid_from: str = "2026-04-01",
              valid_to: str | None = "2027-03-31", scheme: str = ROAD5, agency: str | None = None) -> str:
        return self._record("Evaluation", f"{subject}|{scheme}|{region}|{valid_from}", subject,
                            scheme=scheme, grade=grade, agency_region=region,
                            agency=agency or f"{region}局", valid_from=valid_from, valid_to=valid_to)

    def listed(self, subject: str, list_kind: str = "严重失信", region: str = SUZHOU,
               listed_on: str = "2025-06-20", removed_on: str | None = None) -> str:
        return self._record("ListEntry", f"{list_kind}|{subject}|{region}|{listed_on}", subject,
                            list_kind=list_kind, agency_region=region, agency=f"{region}局",
                            listed_on=listed_on, removed_on=removed_on)

    def penalty(self, decision_no: str, subject: str, decision_date: str = "2025-05-20",
                severity: str = "严重", status: str = "有效", region: str = SUZHOU,
                violation: str = "车辆超速行驶") -> str:
        return self._record("Penalty", decision_no, subject, violation=violation,
                            decision_date=decision_date, severity=severity, status=status,
                            agency_region=region, agency=f"{region}局")

    def repair(self, decision_no: str, repaired_on: str, mode: str = "承诺") -> str:
        uid = self.node("Repair", f"{decision_no}|{repaired_on}", decision_no=decision_no,
                        repaired_on=repaired_on, mode=mode)
        self.rel("REPAIRS", uid, f"Penalty:{decision_no}")
        return uid

    def commitment(self, subject: str, kind: str = "告知承诺制审批", made_on: str = "2025-01-15",
                   due_on: str | None = "2025-07-14", status: str = "违诺", region: str = SUZHOU) -> str:
        return self._record("Commitment", f"{subject}|{kind}|{made_on}", subject, kind=kind,
                            made_on=made_on, due_on=due_on, status=status, agency_region=region)

    def commit(self):
        with self.store.transaction() as tx:
            for label in KEYS:
                if label in self.nodes:
                    tx.upsert_nodes(label, pd.DataFrame(list(self.nodes[label].values())))
            for rel_type in ("MEMBER_OF", "OWNS", "OPERATES", "LEGAL_REPRESENTATIVE_OF",
                             "EMPLOYED_BY", "DRIVES", "SERVES_ON", "ABOUT", "REPAIRS"):
                if self.edges.get(rel_type):
                    frame = pd.DataFrame(self.edges[rel_type]).drop_duplicates(["src", "dst"])
                    tx.upsert_edges(rel_type, frame.dropna(axis=1, how="all"))
        self.nodes.clear()
        self.edges.clear()
        return self.store


def sxct(g: RulesGraph, **kw) -> str:
    """The 苏锡常通 agreement of case #3 (road grades, key-supervision list)."""
    kw.setdefault("schemes", [ROAD5])
    kw.setdefault("list_kinds", ["重点监管"])
    return g.agreement("苏锡常通", [SUZHOU, WUXI, CHANGZHOU, NANTONG], **kw)


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
    assert load_score_scheme().name in scales().schemes


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


def test_malformed_repair_score_and_inspection_files_are_clear_errors(tmp_path):
    repair = _write(tmp_path, """\
        publication: {一般: {minimum_months: 13, maximum_months: 12}}
        default_severity: 一般
        modes: {承诺: x}
        default_mode: 承诺
        """)
    with pytest.raises(DataFileError, match="minimum period is longer"):
        load_repair_catalogue(repair)
    scheme = _write(tmp_path, _installed("scoring.yaml").replace("points: -50", "points: -55"))
    with pytest.raises(DataFileError, match="-55 points is not one of the point values"):
        load_score_scheme(scheme)
    ratios = _write(tmp_path, _installed("inspection.yaml").replace("D: 0.30}", "D: 1.30}"))
    with pytest.raises(DataFileError, match="between 0 and 1"):
        load_inspection_rules(ratios)


def _installed(name: str) -> str:
    """The text of an installed rule data file."""
    from importlib import resources

    return resources.files("queries").joinpath("data", name).read_text(encoding="utf-8")
