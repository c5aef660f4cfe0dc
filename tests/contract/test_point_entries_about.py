"""``Store.point_entries_about`` on every adapter (the ``store`` fixture): a subject's point
entries of the schemes asked, filtered by date in the store (issue 17), the same as the
port's reference filter over ``records_about``."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from graph_model.store.port import Node, Store

FIRM = "Enterprise:91330800MA1PEXXXXX"
SHIP = "Vessel:CN20240000001"
OTHER = "Enterprise:91330800MA1PEYYYYY"  # no point entries
S, S2, T = "内河运输船舶安全等级评定", "zj_inland_vessel", "长江航运信用评价"
BY, ON = dt.date(2024, 12, 31), dt.date(2024, 12, 31)

#: entry_no, subject, scheme, occurred_on, valid_to
ENTRIES = [
    ("E01", FIRM, S, "2024-06-01", "2025-06-01"),       # counts on the day
    ("E02", FIRM, T, "2024-06-01", "2025-06-01"),       # another scheme's: never
    ("E03", FIRM, S, "2025-02-01", "2026-02-01"),       # after occurred_by
    ("E04", FIRM, S, "2023-01-01", "2024-01-01"),       # ended before valid_on
    ("E05", FIRM, S, None, "2025-01-01"),               # no date: the caller judges
    ("E06", FIRM, S, "2022-03-01", None),               # no end: the caller judges
    ("E07", FIRM, S, "2024-12-31T23:00:00", "2024-12-31T00:00:00"),  # the day itself
    ("E08", FIRM, S, "2025/01/05", "2024/12/30"),       # not ISO text: kept
    ("E09", FIRM, S2, "2024-12-30", "2024-12-30"),      # the second scheme; ended the day before
    ("E10", SHIP, S, "2024-01-02", "2025-01-01"),
    ("E11", SHIP, T, "2024-01-02", "2025-01-01"),
    ("E12", FIRM, S, "2025-01-01", None),               # the day after occurred_by
]


def seed(store):
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM.partition(":")[2], OTHER.partition(":")[2]],
                                                    "name": ["甲", "乙"], "region_code": "330800"}))
        tx.upsert_nodes("Vessel", pd.DataFrame({"vessel_id": [SHIP.partition(":")[2]], "name": ["浙航1"],
                                                "region_code": ["330800"]}))
        tx.upsert_nodes("PointEntry", pd.DataFrame(
            [{"entry_no": no, "subject_uid": subject, "scheme": scheme, "points": -5,
              "occurred_on": occurred, "valid_to": valid, "agency_region": "330800", "ABOUT": subject}
             for no, subject, scheme, occurred, valid in ENTRIES]))
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": ["P1"], "subject_uid": [FIRM], "violation": ["超载"], "decision_date": ["2024-06-01"],
            "agency_region": ["330800"], "ABOUT": [FIRM]}))


def uids(found):
    return {s: [n.key for n in nodes] for s, nodes in found.items()}


@pytest.mark.parametrize("occurred_by, valid_on, firm, ship", [
    (None, None, ["E01", "E03", "E04", "E05", "E06", "E07", "E08", "E09", "E12"], ["E10"]),
    (BY, None, ["E01", "E04", "E05", "E06", "E07", "E08", "E09"], ["E10"]),
    (None, ON, ["E01", "E03", "E05", "E06", "E07", "E08", "E12"], ["E10"]),
    (BY, ON, ["E01", "E05", "E06", "E07", "E08"], ["E10"]),
])
def test_a_subjects_entries_of_the_schemes_asked_by_date(store, occurred_by, valid_on, firm, ship):
    seed(store)
    asked = [FIRM, SHIP, OTHER, "Enterprise:nobody"]
    got = store.point_entries_about(asked, [S, S2], occurred_by=occurred_by, valid_on=valid_on)
    assert uids(got) == {FIRM: firm, SHIP: ship}
    assert all(n.label == "PointEntry" and n.props["scheme"] in (S, S2)
               for nodes in got.values() for n in nodes)
    # the adapter's filter in the store is the port's reference filter over records_about
    assert got == Store.point_entries_about(store, asked, [S, S2], occurred_by=occurred_by,
                                            valid_on=valid_on)


def test_no_scheme_or_another_schemes_entries_only(store):
    seed(store)
    assert store.point_entries_about([FIRM, SHIP], []) == {}
    assert uids(store.point_entries_about([SHIP, FIRM], [T])) == {FIRM: ["E02"], SHIP: ["E11"]}
    assert store.point_entries_about([OTHER], [S]) == {}


#: entry_no: properties beyond those ``seed`` gives, of the types both stores keep
ODD = {
    "E01": {"behaviour": "B-1", "description": '带"引号"与\\反斜杠\t', "points": -2.5},
    "E05": {"behaviour": 7, "description": "", "supersedes": "PointEntry:E04", "objection_no": "Y1"},
    "E06": {"behaviour": True, "description": ["一", "二"]},
    "E07": {"description": "{不是对象}", "objection_no": False},
    "E08": {"occurred_on": ["2025/01/05"], "valid_to": 20241230},  # read again from the row
    "E09": {"valid_to": True},
    "E10": {"behaviour": "B-2", "description": "行驶证\u2028过期", "points": 1e20},
}
#: the ledger's properties (those the embedded store reads from its index), others, one
#: a filter compares, none
ASKED = [("scheme", "behaviour", "description", "points", "occurred_on", "valid_to", "supersedes",
          "objection_no"), ("points", "behaviour"), ("valid_to",), ("points", "agency_region"),
         ("entry_no", "points", "points"), ()]


def seed_odd(store):
    seed(store)
    with store.transaction() as tx:
        for no, props in ODD.items():
            tx.upsert_nodes("PointEntry", pd.DataFrame([{"entry_no": no, **props}]))


@pytest.mark.parametrize("props", ASKED)
def test_only_the_properties_asked(store, props):
    """Each answer is the whole answer's entries with only the properties asked (those an
    entry has), whatever their type, in both adapters and by the port's reference."""
    seed_odd(store)
    asked = [FIRM, SHIP, OTHER]
    for by, on in ((None, None), (BY, ON)):
        whole = store.point_entries_about(asked, [S, S2], occurred_by=by, valid_on=on)
        want = {s: [Node(n.uid, n.label, {p: n.props[p] for p in props if p in n.props})
                    for n in nodes] for s, nodes in whole.items()}
        got = store.point_entries_about(asked, [S, S2], occurred_by=by, valid_on=on, props=props)
        assert got == want and [[list(n.props) for n in v] for v in got.values()] == \
            [[list(n.props) for n in v] for v in want.values()]  # in the order asked
        assert [[sorted(n.props.items(), key=str) for n in v] for v in got.values()] == \
            [[sorted(n.props.items(), key=str) for n in v] for v in want.values()]
        assert {type(v) for ns in got.values() for n in ns for v in n.props.values()} == \
            {type(v) for ns in want.values() for n in ns for v in n.props.values()}
        assert got == Store.point_entries_about(store, asked, [S, S2], occurred_by=by,
                                                valid_on=on, props=props)
    assert whole[FIRM][0].props["description"] == ODD["E01"]["description"]


def test_a_property_point_entries_lack_is_refused(store):
    seed(store)
    for props in (("points", "violation"), ("points'); DROP TABLE nodes; --",), "points"):
        with pytest.raises(ValueError):
            store.point_entries_about([FIRM], [S], props=props)
