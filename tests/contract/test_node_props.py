"""``Store.node_props``: a few properties of many nodes, on every adapter, exactly what
``get_nodes`` gives for them (a loader reads each penalty's subject region this way, and
the repair rules a repaired penalty's dates and severity)."""

from __future__ import annotations

import pytest

from tests.support.api import SECRET
from tests.support.demo import demo_fixture

MISSING = "Enterprise:91350100MA0000000X"
LABELS = ("Enterprise", "Vehicle", "Penalty", "Region", "Agency")


demo = demo_fixture("nodeprops", SECRET)


@pytest.mark.parametrize("props", [["region_code"], ["fine", "decision_date", "severity", "name"],
                                   ["_sources"], []])
def test_node_props_are_the_properties_get_nodes_gives(demo, props):
    uids = [n.uid for label in LABELS for n in demo.iter_nodes(label)]
    expected = {uid: {p: node.props.get(p) for p in props}
                for uid, node in demo.get_nodes(uids).items()}
    got = demo.node_props([*uids, MISSING, uids[0]], props)
    assert got == expected
    assert MISSING not in got and len(got) == len(set(uids))
    values = [v for row in got.values() for v in row.values()]
    if props:  # nodes with the property and nodes without it (None)
        assert any(v is not None for v in values) and None in values
    assert demo.node_props([], props) == {}


def test_node_props_keep_each_values_type(demo):
    """Numbers stay numbers, text stays text, a list stays a list (as get_nodes gives)."""
    [penalty] = demo.find_nodes("Penalty", limit=1)
    got = demo.node_props([penalty.uid], list(penalty.props))[penalty.uid]
    assert got == penalty.props
    assert [type(v) for v in got.values()] == [type(v) for v in penalty.props.values()]
