"""A subject's many records written in several loads, between other subjects' (so they lie
scattered, as at scale), read by ``Store.point_entries_about`` and
``Store.records_matching`` on every adapter (the ``store`` fixture): the embedded store
asks the OS for such rows' pages at once before reading them (issue 17,
``graph_model.store.embedded.pagemap``), and the answers are the port's reference reads
over ``records_about``, and the rows expected."""

from __future__ import annotations

import datetime as dt

from graph_model.store.port import RecordMatch, Store
from tests.support.graph import GraphBuilder

S, T = "内河运输船舶安全等级评定", "长江航运信用评价"
FIRMS = [f"Enterprise:F{i}" for i in range(4)]
#: sc_portrait's alarms: not handled, turned into a case, or offline
ALARMS = (RecordMatch(absent=("outcome",)), RecordMatch(where={"outcome": ["转立案"]}),
          RecordMatch(where={"kind": ["不在线"]}))
OUTCOMES = ("已处置", "转立案", None, "误报")


def seed(store) -> dict[str, str]:
    """Three loads, each writing some of every firm's point entries and of its vehicle's
    alarms, one firm after another."""
    vehicles = {}
    for load in range(3):
        g = GraphBuilder(store)
        for f, firm in enumerate(FIRMS):
            g.firm(firm.partition(":")[2])
            vehicles[firm] = g.vehicle(f"苏E0000{f}", owner=firm)
            for i in range(load * 12, load * 12 + 12):
                g.point_entry(f"E{f}-{i:02}", firm, S if i % 3 else T, -1,
                              f"2024-{1 + i % 12:02}-01", valid_to=f"2025-{1 + i % 12:02}-01")
                g.alarm(f"A{f}-{i:02}", vehicles[firm], "2024-05-01 10:00:00",
                        kind="不在线" if i % 7 == 0 else "超速", outcome=OUTCOMES[i % 4])
        g.commit()
    return vehicles


def keys(found):
    return {s: [n.key for n in nodes] for s, nodes in found.items()}


def test_scattered_point_entries_are_those_of_the_reference_read(store):
    seed(store)
    asked = [FIRMS[1], FIRMS[2], "Enterprise:nobody"]
    by = dt.date(2024, 6, 30)
    got = store.point_entries_about(asked, [S], occurred_by=by)
    assert got == Store.point_entries_about(store, asked, [S], occurred_by=by)
    assert keys(got) == {f: [f"E{f[-1]}-{i:02}" for i in range(36) if i % 3 and 1 + i % 12 <= 6]
                         for f in asked[:2]}


def test_scattered_alarms_are_those_of_the_reference_read(store):
    vehicles = seed(store)
    asked = [vehicles[FIRMS[0]], vehicles[FIRMS[3]]]
    tests = {"MonitoringAlarm": ALARMS, "Penalty": None}
    got = store.records_matching(asked, tests)
    assert got == Store.records_matching(store, asked, tests)
    assert keys(got) == {v: [f"A{f}-{i:02}" for i in range(36)
                             if OUTCOMES[i % 4] in (None, "转立案") or i % 7 == 0]
                         for f, v in ((0, asked[0]), (3, asked[1]))}
