"""A small graph builder for the tracing tests (imported by the other test_tracing_* files),
and the tests of what the tracing queries share: limits, argument checks, named steps."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pytest

from graph_model.store.port import Edge
from queries.dates import InvalidInput
from queries.tracing.common import (
    MAX_DEPTH, UnknownSubject, check_depth, check_rel_types, check_subject, name_steps,
    records_status, step_of,
)

KEYS = {"Enterprise": "uscc", "Person": "id_hash", "Vehicle": "plate", "Vessel": "vessel_id",
        "Region": "code", "Penalty": "decision_no", "Evaluation": "evaluation_key",
        "ListEntry": "entry_key", "Commitment": "commitment_key", "Repair": "repair_key"}


class Graph:
    """Collects nodes and relationships, then writes them in one transaction."""

    def __init__(self, store):
        self.store = store
        self.nodes: dict[str, dict[str, dict]] = defaultdict(dict)
        self.edges: dict[str, list[dict]] = defaultdict(list)
        self._n = 0

    def node(self, label: str, key: str, **props) -> str:
        self.nodes[label][key] = {KEYS[label]: key, **props}
        return f"{label}:{key}"

    def firm(self, key: str, name: str | None = None, **props) -> str:
        return self.node("Enterprise", key, name=name or key, region_code="320500", **props)

    def person(self, key: str, name: str | None = None, **props) -> str:
        return self.node("Person", key, name=name or key, **props)

    def vehicle(self, plate: str, **props) -> str:
        return self.node("Vehicle", plate, region_code="320500", **props)

    def vessel(self, vid: str, name: str | None = None, **props) -> str:
        return self.node("Vessel", vid, name=name or vid, region_code="320600", **props)

    def rel(self, rel_type: str, src: str, dst: str, valid_from: str | None = None,
            valid_to: str | None = None) -> None:
        self.edges[rel_type].append({"src": src, "dst": dst, "valid_from": valid_from,
                                     "valid_to": valid_to})

    def record(self, label: str, subject: str, key: str | None = None, **props) -> str:
        self._n += 1
        key = key or f"{label.lower()}-{self._n}"
        uid = self.node(label, key, subject_uid=subject, agency_region="320500", **props)
        self.rel("ABOUT", uid, subject)
        return uid

    def listed(self, subject: str, list_kind: str = "严重失信", listed_on: str = "2024-01-01",
               removed_on: str | None = None) -> str:
        return self.record("ListEntry", subject, list_kind=list_kind, listed_on=listed_on,
                           removed_on=removed_on)

    def graded(self, subject: str, grade: str, valid_from: str = "2024-01-01",
               valid_to: str | None = "2026-12-31", scheme: str = "道路运输经营者信用评价") -> str:
        return self.record("Evaluation", subject, scheme=scheme, grade=grade,
                           valid_from=valid_from, valid_to=valid_to)

    def penalty(self, subject: str, decision_date: str = "2024-05-01", severity: str = "严重",
                status: str = "有效", key: str | None = None) -> str:
        return self.record("Penalty", subject, key=key, violation="违法", severity=severity,
                           status=status, decision_date=decision_date)

    def repair(self, decision_no: str, repaired_on: str) -> str:
        uid = self.node("Repair", f"{decision_no}|{repaired_on}", decision_no=decision_no,
                        repaired_on=repaired_on)
        self.rel("REPAIRS", uid, f"Penalty:{decision_no}")
        return uid

    def commit(self):
        order = [lab for lab in KEYS if lab in self.nodes]
        with self.store.transaction() as tx:
            for label in order:
                tx.upsert_nodes(label, pd.DataFrame(list(self.nodes[label].values())))
            for rel_type, rows in self.edges.items():
                frame = pd.DataFrame(rows)
                frame = frame.dropna(axis=1, how="all")
                tx.upsert_edges(rel_type, frame)
        self.nodes.clear()
        self.edges.clear()
        return self.store


# -- tests of queries/tracing.py ---------------------------------------------------------------

def test_depth_above_the_configured_maximum_is_a_clear_error():
    assert check_depth(MAX_DEPTH) == MAX_DEPTH
    with pytest.raises(InvalidInput, match=f"between 0 and {MAX_DEPTH}"):
        check_depth(MAX_DEPTH + 1)
    with pytest.raises(InvalidInput):
        check_depth(-1)
    with pytest.raises(InvalidInput, match="integer"):
        check_depth("2")


def test_relationship_types_are_checked_and_records_are_not_walked():
    assert "LOCATED_IN" not in check_rel_types(None)
    assert check_rel_types(["OWNS", "OWNS"]) == ("OWNS",)
    with pytest.raises(InvalidInput, match="unknown relationship type 'OWNED'"):
        check_rel_types(["OWNED"])
    with pytest.raises(InvalidInput, match="ABOUT"):
        check_rel_types(["ABOUT"])


def test_unknown_and_malformed_subjects_are_clear_errors(store):
    g = Graph(store)
    g.firm("F1")
    g.commit()
    assert check_subject(store, "Enterprise:F1").label == "Enterprise"
    with pytest.raises(UnknownSubject, match="Enterprise:NOPE"):
        check_subject(store, "Enterprise:NOPE")
    with pytest.raises(InvalidInput, match="Label:key"):
        check_subject(store, "F1")
    with pytest.raises(InvalidInput, match="unknown label"):
        check_subject(store, "Company:F1")


def test_steps_read_in_the_stored_direction_with_their_dates(store):
    g = Graph(store)
    g.firm("F1", "甲运输公司")
    g.vehicle("苏E00001")
    g.person("p1", "张三", id_masked="320505********123X")
    g.commit()
    owns = Edge("OWNS", "Enterprise:F1", "Vehicle:苏E00001", {"valid_from": "2020-01-01",
                                                              "valid_to": "2023-12-31"})
    walked_back = step_of(owns, "Vehicle:苏E00001")  # from the vehicle to its owner
    assert (walked_back.frm, walked_back.to, walked_back.direction) == (
        "Vehicle:苏E00001", "Enterprise:F1", "in")
    assert (walked_back.src, walked_back.dst) == ("Enterprise:F1", "Vehicle:苏E00001")
    rep = step_of(Edge("LEGAL_REPRESENTATIVE_OF", "Person:p1", "Enterprise:F1", {}), "Person:p1")
    [(a, b)] = name_steps(store, [[walked_back, rep]])
    assert a.text == "甲运输公司 owns 苏E00001 (since 2020-01-01 until 2023-12-31)"
    assert b.text == "张三 (320505********123X) is the legal representative of 甲运输公司"


def test_default_status_reads_lists_in_force_and_the_latest_grade(store):
    g = Graph(store)
    f = g.firm("F1")
    g.listed(f, "严重失信", "2024-01-01")
    g.listed(f, "重点监管", "2023-01-01", removed_on="2024-02-01")
    g.graded(f, "C", "2023-04-01", "2024-03-31")
    g.graded(f, "D", "2024-04-01", "2025-03-31")
    g.commit()
    import datetime as dt
    early = records_status(store, [f], dt.date(2023, 6, 1))[f]
    assert early.grade == "C" and early.lists == ("重点监管",) and not early.seriously_dishonest
    later = records_status(store, [f], dt.date(2024, 6, 1))[f]
    assert later.grade == "D" and later.lists == ("严重失信",) and later.seriously_dishonest
    assert len(later.evidence) == 2 and later.measures == ()
    assert records_status(store, [f], dt.date(2026, 1, 1))[f].grade is None  # expired
