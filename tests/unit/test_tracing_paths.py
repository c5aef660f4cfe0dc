"""paths(): the shortest connections between two subjects, every step named and dated."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.tracing.common import MAX_DEPTH, UnknownSubject
from queries.tracing.paths import paths
from tests.support.graph import GraphBuilder

AS_OF = "2025-06-30"


def story(store):
    """李四 drives for 乙, whose legal representative 张三 also represents 甲."""
    g = GraphBuilder(store)
    a, b = g.firm("A", name="甲运输公司"), g.firm("B", name="乙物流公司")
    p, d = g.person("p", name="张三"), g.person("d", name="李四")
    v = g.vehicle("苏E00002")
    g.rel("LEGAL_REPRESENTATIVE_OF", p, a, valid_from="2016-08-19")
    g.rel("LEGAL_REPRESENTATIVE_OF", p, b, valid_from="2017-03-02")
    g.rel("EMPLOYED_BY", d, b, valid_from="2021-05-01")
    g.rel("OWNS", b, v)
    g.rel("DRIVES", d, v, valid_from="2021-05-01")
    g.rel("LOCATED_IN", a, g.node("Region", "320500", name="苏州市", level="city"))
    g.rel("LOCATED_IN", d, "Region:320500")
    g.commit()
    return a, b, p, d, v


def test_the_shortest_connection_names_every_step(store):
    a, b, p, d, v = story(store)
    r = paths(store, d, a, as_of=AS_OF)
    assert r.length == 3 and not r.more and not r.incomplete
    [conn] = r.connections
    assert conn.nodes == (d, b, p, a)
    assert [(s.rel_type, s.direction) for s in conn.steps] == [
        ("EMPLOYED_BY", "out"), ("LEGAL_REPRESENTATIVE_OF", "in"), ("LEGAL_REPRESENTATIVE_OF", "out")]
    assert [s.text for s in conn.steps] == [
        "李四 is employed by 乙物流公司 (since 2021-05-01)",
        "张三 is the legal representative of 乙物流公司 (since 2017-03-02)",
        "张三 is the legal representative of 甲运输公司 (since 2016-08-19)",
    ]
    # Not through the shared city: LOCATED_IN is not walked unless asked for.
    via_city = paths(store, d, a, as_of=AS_OF, relation_types=["LOCATED_IN"])
    assert via_city.length == 2 and via_city.connections[0].nodes[1] == "Region:320500"


def test_all_shortest_connections_up_to_the_limit(store):
    g = GraphBuilder(store)
    a, b = g.firm("A"), g.firm("B")
    for who in ("p1", "p2", "p3"):
        g.rel("LEGAL_REPRESENTATIVE_OF", g.person(who), a)
        g.rel("LEGAL_REPRESENTATIVE_OF", f"Person:{who}", b)
    g.commit()
    r = paths(store, a, b, as_of=AS_OF)
    assert r.length == 2 and len(r.connections) == 3 and not r.more
    assert {c.nodes[1] for c in r.connections} == {"Person:p1", "Person:p2", "Person:p3"}
    r = paths(store, a, b, as_of=AS_OF, limit=2)
    assert len(r.connections) == 2 and r.more


def test_a_ship_owned_and_operated_gives_one_connection_per_relationship(store):
    g = GraphBuilder(store)
    f, s = g.firm("F", name="江海航运"), g.vessel("CN20181025637", name="江海通达8")
    g.rel("OWNS", f, s)
    g.rel("OPERATES", f, s)
    g.commit()
    r = paths(store, f, s, as_of=AS_OF)
    assert r.length == 1
    assert sorted(c.steps[0].rel_type for c in r.connections) == ["OPERATES", "OWNS"]


def test_connections_respect_validity_dates(store):
    g = GraphBuilder(store)
    f1, f2 = g.firm("F1"), g.firm("F2")
    ship = g.vessel("CN20150873419")
    g.rel("OWNS", f1, ship, valid_from="2015-01-01", valid_to="2023-12-31")
    g.rel("OWNS", f2, ship, valid_from="2024-01-01")
    g.commit()
    assert paths(store, f1, f2, as_of="2024-03-01").length is None
    assert paths(store, f1, ship, as_of="2023-06-01").length == 1
    ever = paths(store, f1, f2, as_of=None)  # every relationship ever recorded
    assert ever.length == 2
    assert [(s.valid_from, s.valid_to) for s in ever.connections[0].steps] == [
        ("2015-01-01", "2023-12-31"), ("2024-01-01", None)]


def test_a_vehicle_beyond_a_hubs_cap_is_still_found_from_the_other_end(store):
    g = GraphBuilder(store)
    hub, boss = g.firm("HUB", name="出租汽车集团"), g.person("boss", name="王五")
    g.rel("LEGAL_REPRESENTATIVE_OF", boss, hub)
    for i in range(100):
        g.rel("OWNS", hub, g.vehicle(f"苏E{i:05d}"))
    driver = g.person("driver", name="赵六")
    g.rel("DRIVES", driver, "Vehicle:苏E00099")  # far beyond the cap in uid order
    g.commit()
    r = paths(store, boss, driver, as_of=AS_OF, cap=10)
    assert r.length == 3
    assert r.connections[0].nodes == (boss, hub, "Vehicle:苏E00099", driver)


def test_a_middle_relationship_cut_at_the_hub_is_seen_from_its_other_end(store):
    g = GraphBuilder(store)
    hub, small = g.firm("HUB", name="江海航运集团"), g.firm("SMALL", name="小航运公司")
    start, end = g.vessel("CN20100000001"), g.vessel("CN20100000002")
    middle = g.vessel("CN20999999999")  # last of the hub's ships in uid order
    for i in range(100):
        g.rel("OWNS", hub, g.vessel(f"CN2018{i:07d}"))
    g.rel("OPERATES", small, start)
    g.rel("OPERATES", small, middle)
    for i in range(3):  # so the walk from the end is the smaller one at the hub
        g.rel("OPERATES", small, g.vessel(f"CN2011000000{i}"))
    g.rel("OWNS", hub, middle)
    g.rel("OPERATES", hub, end)
    g.commit()
    r = paths(store, start, end, as_of=AS_OF, cap=10)
    assert r.length == 4 and r.incomplete
    assert r.connections[0].nodes == (start, small, middle, hub, end)
    assert ("Enterprise:HUB", "OWNS", 101) in r.cut


def test_no_connection_within_max_depth_and_bad_input(store, english):
    g = GraphBuilder(store)
    chain = [g.person(f"p{i}") if i % 2 else g.firm(f"F{i}") for i in range(7)]
    for x, y in zip(chain, chain[1:]):
        person, firm = (x, y) if x.startswith("Person") else (y, x)
        g.rel("EMPLOYED_BY", person, firm)
    g.commit()
    assert paths(store, chain[0], chain[4], as_of=AS_OF).length == 4
    r = paths(store, chain[0], chain[6], as_of=AS_OF)  # six hops: beyond 4
    assert r.length is None and r.connections == ()
    assert paths(store, chain[0], chain[2], max_depth=1, as_of=AS_OF).length is None
    same = paths(store, chain[0], chain[0], as_of=AS_OF)
    assert same.length == 0 and same.connections[0].nodes == (chain[0],)
    with pytest.raises(InvalidInput, match="configured maximum"):
        paths(store, chain[0], chain[6], max_depth=MAX_DEPTH + 1, as_of=AS_OF)
    with pytest.raises(InvalidInput):
        paths(store, chain[0], chain[6], max_depth=0, as_of=AS_OF)
    with pytest.raises(UnknownSubject):
        paths(store, chain[0], "Person:nobody", as_of=AS_OF)
    with pytest.raises(UnknownSubject):
        paths(store, "Person:nobody", "Person:nobody", as_of=AS_OF)
