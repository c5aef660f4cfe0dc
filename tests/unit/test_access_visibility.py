"""The visibility rule on its own: records and agreements in, a visibility out."""

from __future__ import annotations

import datetime as dt

from graph_model.store.port import Node
from queries.access.visibility import (
    Vis, key_regions, linked_visibility, personal_data_clear, record_visibility, shown_props,
    subject_visibility,
)
from queries.rules.jurisdiction import NATIONAL, Agreement, Jurisdiction, Jurisdictions
from queries.rules.scales import scales

DAY = dt.date(2026, 6, 1)
SXCT = Agreement("Agreement:sxct", "苏锡常通", dt.date(2023, 3, 1), None,
                 schemes=("道路运输经营者信用评价",), list_kinds=("重点监管",),
                 members=("320200", "320400", "320500", "320600"))


YANGTZE = ("310000", "320000", "340000", "360000", "420000", "430000", "500000", "510000",
           "520000", "530000")
#: 长江航务管理局, seated in Wuhan, binds along the river (#19); the ministry everywhere.
JUR = Jurisdictions({
    "长江航务管理局": Jurisdiction("长江航务管理局", "CJHY", "流域", YANGTZE, dt.date(2023, 12, 1),
                            ("420100",)),
    "交通运输部": Jurisdiction("交通运输部", "100000", "全国", (NATIONAL,), None, ("110000",))})


def entry(issuer: str, kind: str = "重点监管", agency: str | None = None) -> Node:
    return Node(f"ListEntry:{kind}|x|{issuer}|2025-01-01", "ListEntry",
                {"agency_region": issuer, "list_kind": kind, "agency": agency})


def evaluation(issuer: str, scheme: str) -> Node:
    return Node(f"Evaluation:{issuer}|{scheme}", "Evaluation",
                {"agency_region": issuer, "scheme": scheme, "grade": "D"})


def test_a_subject_registered_in_the_region_is_own_and_a_record_is_no_subject():
    firm = Node("Enterprise:1", "Enterprise", {"region_code": "320506"})
    assert subject_visibility(firm, "320500") is Vis.OWN
    assert subject_visibility(firm, "320200") is None  # its records decide
    assert subject_visibility(None, "320500") is None  # as if it were outside the scope
    assert subject_visibility(Node("Penalty:1", "Penalty", {}), "320500") is Vis.NONE


def test_records_make_a_subject_own_or_shared():
    def vis(*records):
        return record_visibility(list(records), "320500", (SXCT,), DAY, scales())

    assert vis(entry("320506")) is Vis.OWN  # an agency inside the region
    assert vis(entry("320000")) is Vis.OWN  # the province above it
    assert vis(entry("320200")) is Vis.SHARED  # a partner's shared list kind
    assert vis(entry("320200", "重点关注")) is Vis.NONE  # a kind the agreement does not share
    assert vis(entry("330100")) is Vis.NONE  # outside the agreement
    assert vis(entry("330100", "严重失信")) is Vis.SHARED  # binds nationwide (rule 19, #8)
    assert vis(evaluation("320400", "道路运输经营者信用评价")) is Vis.SHARED
    assert vis(evaluation("320400", "长江航运信用评价")) is Vis.NONE
    assert record_visibility([entry("320200")], "320500", (), DAY, scales()) is Vis.NONE


def test_a_national_or_basin_authoritys_records_are_shared_where_it_governs():
    def vis(region, *records):
        return record_visibility(list(records), region, (), DAY, scales(), JUR)

    basin = entry("420100", agency="长江航务管理局")
    assert vis("320500", basin) is Vis.SHARED  # Jiangsu lies along the river
    assert vis("330100", basin) is Vis.NONE  # Zhejiang does not
    assert vis("330100", entry("110000", agency="交通运输部")) is Vis.SHARED  # everywhere
    assert vis("330100", entry("420100", agency="武汉市交通运输局")) is Vis.NONE


def test_a_key_of_a_basin_authority_governs_its_jurisdiction():
    regions = key_regions("420100", "长江航务管理局", JUR, DAY)
    assert regions == ("310000", "320000", "340000", "360000", "420000", "420100", "430000",
                       "500000", "510000", "520000", "530000")
    firm = Node("Enterprise:1", "Enterprise", {"region_code": "320506"})
    assert subject_visibility(firm, regions) is Vis.OWN
    assert subject_visibility(firm, ("420100",)) is None
    assert key_regions("420100", "长江航务管理局", JUR, dt.date(2023, 11, 30)) == ("420100",)
    assert key_regions("320500", "苏州市交通运输局", JUR, DAY) == ("320500",)


def test_a_subject_next_to_an_own_or_shared_one_is_linked():
    assert linked_visibility([Vis.NONE, Vis.SHARED]) is Vis.LINKED
    assert linked_visibility([Vis.LINKED, Vis.NONE]) is Vis.NONE
    assert linked_visibility([]) is Vis.NONE


def test_personal_fields_are_clear_only_for_own_persons_and_never_for_viewers():
    person = Node("Person:h", "Person", {"id_hash": "h", "name": "张建国", "role": "法定代表人",
                                         "id_masked": "320402********0353", "_sources": ["l#2"]})
    assert personal_data_clear(Vis.OWN, "regulator") and not personal_data_clear(Vis.OWN, "viewer")
    assert not personal_data_clear(Vis.SHARED, "investigator")
    masked = shown_props(person, clear=False)
    assert masked == {"id_hash": "h", "name": "张**", "role": "法定代表人",
                      "id_masked": "320402************"}
    assert shown_props(person, clear=True)["name"] == "张建国"
