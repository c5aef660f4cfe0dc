"""What the tracing queries share: limits, argument checks, named steps."""

from __future__ import annotations

import pytest

from graph_model.store.port import Edge
from queries.dates import InvalidInput
from queries.tracing.common import (
    MAX_DEPTH, UnknownSubject, check_depth, check_rel_types, check_subject, name_steps,
    records_status, step_of,
)
from tests.support.graph import GraphBuilder

# -- tests of queries/tracing/common.py ---------------------------------------------------------------

def test_depth_above_the_configured_maximum_is_a_clear_error(english):
    assert check_depth(MAX_DEPTH) == MAX_DEPTH
    with pytest.raises(InvalidInput, match=f"between 0 and {MAX_DEPTH}"):
        check_depth(MAX_DEPTH + 1)
    with pytest.raises(InvalidInput):
        check_depth(-1)
    with pytest.raises(InvalidInput, match="integer"):
        check_depth("2")


def test_relationship_types_are_checked_and_records_are_not_walked(english):
    assert "LOCATED_IN" not in check_rel_types(None)
    assert check_rel_types(["OWNS", "OWNS"]) == ("OWNS",)
    with pytest.raises(InvalidInput, match="unknown relationship type 'OWNED'"):
        check_rel_types(["OWNED"])
    with pytest.raises(InvalidInput, match="ABOUT"):
        check_rel_types(["ABOUT"])


def test_unknown_and_malformed_subjects_are_clear_errors(store):
    g = GraphBuilder(store)
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
    g = GraphBuilder(store)
    g.firm("F1", name="甲运输公司")
    g.vehicle("苏E00001")
    g.person("p1", name="张三", id_masked="320505********123X")
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
    g = GraphBuilder(store)
    f = g.firm("F1")
    g.listed(f, "严重失信", listed_on="2024-01-01")
    g.listed(f, "重点监管", listed_on="2023-01-01", removed_on="2024-02-01")
    g.grade(f, "C", valid_from="2023-04-01", valid_to="2024-03-31")
    g.grade(f, "D", valid_from="2024-04-01", valid_to="2025-03-31")
    g.commit()
    import datetime as dt
    early = records_status(store, [f], dt.date(2023, 6, 1))[f]
    assert early.grade == "C" and early.lists == ("重点监管",) and not early.seriously_dishonest
    later = records_status(store, [f], dt.date(2024, 6, 1))[f]
    assert later.grade == "D" and later.lists == ("严重失信",) and later.seriously_dishonest
    assert len(later.evidence) == 2 and later.measures == ()
    assert records_status(store, [f], dt.date(2026, 1, 1))[f].grade is None  # expired
