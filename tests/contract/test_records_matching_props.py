"""``Store.records_matching``'s ``props`` on every adapter (the ``store`` fixture): each
record of a label named comes with only the properties asked (those it has), the records
the same as the whole answer's, whatever the values' types (the embedded store reads an
alarm's from the ABOUT index and judges one whose value there is not plain text on its
row), in both adapters and by the port's reference."""

from __future__ import annotations

import pandas as pd
import pytest

from graph_model.store.port import Node, RecordMatch, Store
from tests.contract.test_records_matching import ALARMS, FIRM, OTHER, TESTS, seed

#: alarms whose date is not plain text, or whose outcome or kind the index holds as a
#: value that is not (json_extract's number for true, a JSON array's text)
ODD = {"B01": {"occurred_at": 20240501, "kind": "超速"},
       "B02": {"occurred_at": ["2024-05-01"], "kind": "不在线"},
       "B03": {"occurred_at": True, "outcome": "转立案", "kind": "超速"},
       "B04": {"occurred_at": "[2024-05-01]", "kind": "超速", "outcome": "已处置"},
       "B05": {"kind": "超速"},  # no date
       "B06": {"occurred_at": "2024-05-02", "kind": ["不在线"], "outcome": "已处置"},
       "B07": {"occurred_at": "2024-05-02", "kind": False, "outcome": "误报"}}

ASKED = [{"MonitoringAlarm": ("occurred_at",)},
         {"MonitoringAlarm": ("kind", "occurred_at", "outcome")},
         {"MonitoringAlarm": ("outcome", "alarm_no", "occurred_at")},  # not all in the index
         {"MonitoringAlarm": (), "Penalty": ("decision_date", "severity")},
         {"MonitoringAlarm": ("occurred_at",), "Accident": ("deaths",), "Penalty": None}]


def seed_odd(store) -> str:
    v = seed(store)
    with store.transaction() as tx:
        for no, props in ODD.items():
            tx.upsert_nodes("MonitoringAlarm", pd.DataFrame([{"alarm_no": no, **props, "ABOUT": v}]))
    return v


def typed(found):
    """Each record's properties with their types, in their order."""
    return {s: [(n.uid, n.label, [(p, type(x), x) for p, x in n.props.items()]) for n in nodes]
            for s, nodes in found.items()}


@pytest.mark.parametrize("props", ASKED)
def test_only_the_properties_asked(store, props):
    v = seed_odd(store)
    asked = [v, FIRM, OTHER]
    for tests in (TESTS, {"MonitoringAlarm": None, "Penalty": None},
                  {"MonitoringAlarm": [RecordMatch(where={"occurred_at": ["2024-05-02"]})]},
                  {"MonitoringAlarm": [RecordMatch(contains={"occurred_at": ["05-01"]}),
                                       RecordMatch(where={"outcome": ["转立案"]})]}):
        whole = store.records_matching(asked, tests)
        want = {s: [Node(n.uid, n.label, n.props if props.get(n.label) is None else
                         {p: n.props[p] for p in props[n.label] if p in n.props})
                    for n in nodes] for s, nodes in whole.items()}
        got = store.records_matching(asked, tests, props)
        assert typed(got) == typed(want), tests
        assert typed(got) == typed(Store.records_matching(store, asked, tests, props))
    alarms = store.records_matching([v], {"MonitoringAlarm": ALARMS}, props)[v]
    assert {n.key for n in alarms} >= {"A01", "B01", "B02", "B03", "B05", "B06", "B07"}


def test_a_label_or_property_the_schema_lacks_is_refused(store):
    v = seed(store)
    for props in ({"MonitoringAlarm": ("occurred_at", "nope")},
                  {"MonitoringAlarm": ("occurred_at'); DROP TABLE nodes; --",)},
                  {"MonitoringAlarm": "occurred_at"}):
        with pytest.raises(ValueError):
            store.records_matching([v], {"MonitoringAlarm": ALARMS}, props)
    with pytest.raises(Exception, match="Nolabel"):
        store.records_matching([v], {"MonitoringAlarm": ALARMS}, {"Nolabel": ("x",)})
