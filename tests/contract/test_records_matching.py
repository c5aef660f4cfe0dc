"""``Store.records_matching`` on every adapter (the ``store`` fixture): a subject's records
of the labels asked, those a :class:`RecordMatch` may take, filtered in the store (issue
17: a firm's vehicles' monitoring alarms that no indicator counts are never decoded), the
same as the port's reference filter over ``records_about``."""

from __future__ import annotations

import pytest

from graph_model.store.port import RecordMatch, Store
from tests.support.graph import GraphBuilder

FIRM, OTHER = "Enterprise:F", "Enterprise:G"
#: sc_portrait's alarms: not handled, turned into a case, or offline
ALARMS = (RecordMatch(absent=("outcome",)), RecordMatch(where={"outcome": ["转立案"]}),
          RecordMatch(where={"kind": ["不在线"]}))
DEADLY = (RecordMatch(at_least={"deaths": 1}), RecordMatch(at_least={"injuries": 1}))
TESTS = {"MonitoringAlarm": ALARMS, "Accident": DEADLY, "Penalty": None,
         "ListEntry": [RecordMatch(contains={"list_kind": ["重点", "关注"]}, where={"agency_region": ["320500"]})],
         "Inspection": []}


#: alarm_no, kind, outcome, whether ALARMS keeps it
ALARM_ROWS = [
    ("A01", "超速", "转立案", True),      # a case
    ("A02", "超速", "已处置", False),     # handled, not offline: no indicator takes it
    ("A03", "不在线", "已处置", True),    # offline
    ("A04", "疲劳驾驶", "误报", False),
    ("A05", "超速", None, True),          # not handled
    ("A06", "超速", "", True),            # an empty outcome is not handled either
    ("A07", "超速", 3, True),             # not text: the caller judges
    ("A08", "超速", True, True),
    ("A09", 5, "已处置", True),           # a kind that is not text
    ("A10", "超速", 2.5, True),
    ("A11", "超速", ["转立案"], True),  # a list is not text either
    ("A12", "超速", "[转立案]", False),  # but text that looks like one is
]


def seed(store) -> str:
    g = GraphBuilder(store)
    g.firm("F")
    g.firm("G")
    v = g.vehicle("苏E00001", owner=FIRM)
    for no, kind, outcome, _ in ALARM_ROWS:
        g.alarm(no, v, "2024-05-01 10:00:00", kind=kind, outcome=outcome)
    for no, deaths, injuries in [("C1", 0, 0), ("C2", 2, 0), ("C3", 0, 1), ("C4", "3", 0),
                                 ("C5", 1.5, 0), ("C6", True, 0), ("C7", None, 0), ("C8", False, 0)]:
        g.accident(no, v, "2024-05-01", deaths=deaths, injuries=injuries)
    g.penalty("P1", v, "2024-05-01", "轻微")
    g.penalty("P2", FIRM, "2024-05-01", "一般")
    g.listed(v, "重点监管", listed_on="2024-05-01")
    g.listed(v, "严重失信", listed_on="2024-05-01")
    g.listed(v, "重点关注", region="320200", listed_on="2024-05-01")
    g.inspection("I1", v, "2024-05-01")
    g.commit()
    return v


def keys(found):
    return {s: sorted(n.key for n in nodes) for s, nodes in found.items()}


def test_the_records_a_match_may_take_and_every_record_of_a_label_mapped_to_none(store):
    v = seed(store)
    asked = [v, FIRM, OTHER, "Enterprise:nobody"]
    got = store.records_matching(asked, TESTS)
    assert keys(got) == {
        v: sorted([*(no for no, *_, kept in ALARM_ROWS if kept),
                   "C2", "C3", "C4", "C5", "C6", "C7", "C8", f"重点监管|{v}|320500|2024-05-01",
                   "P1"]),
        FIRM: ["P2"]}
    assert [n.uid for n in got[v]] == sorted(n.uid for n in got[v])
    assert all(n.props == store.get_nodes([n.uid])[n.uid].props for n in got[v])
    # the adapter's filter in the store is the port's reference over records_about
    assert got == Store.records_matching(store, asked, TESTS)


def test_each_alternative_alone_and_a_label_without_tests(store):
    v = seed(store)
    for t in ALARMS + DEADLY:
        label = "Accident" if t in DEADLY else "MonitoringAlarm"
        got = store.records_matching([v], {label: [t]})
        assert got == Store.records_matching(store, [v], {label: [t]})
        assert got and all(t.keeps(n.props) for n in got[v])
        assert len(got[v]) < len(store.records_about([v], [label])[v])
    assert store.records_matching([v], {"Inspection": []}) == {}
    assert store.records_matching([v], {}) == {}
    assert keys(store.records_matching([v], {"Inspection": [RecordMatch()]})) == {v: ["I1"]}


def test_a_property_or_label_the_schema_lacks_is_refused(store):
    v = seed(store)
    with pytest.raises(ValueError, match="nope"):
        store.records_matching([v], {"MonitoringAlarm": [RecordMatch(where={"nope": ["x"]})]})
    with pytest.raises(Exception, match="Nolabel"):
        store.records_matching([v], {"Nolabel": None})
