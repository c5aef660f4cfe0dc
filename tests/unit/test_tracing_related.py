"""related(): who stands behind a subject and around it, capped, grouped, paged, dated."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.tracing.common import MAX_DEPTH, CreditStatus, UnknownSubject
from queries.tracing.related import related
from tests.support.graph import GraphBuilder

AS_OF = "2025-06-30"


def dishonest_firm_story(store):
    """甲 (serious dishonesty, grade D) and 乙 share the legal representative 张三; 甲 owns
    苏E00001 driven by its employee 李四; 乙 owns 苏E00002 (three hops from 甲)."""
    g = GraphBuilder(store)
    a = g.firm("A", name="甲运输公司")
    b = g.firm("B", name="乙物流公司")
    p = g.person("p", name="张三")
    d = g.person("d", name="李四")
    v1, v2 = g.vehicle("苏E00001"), g.vehicle("苏E00002")
    g.rel("LEGAL_REPRESENTATIVE_OF", p, a, valid_from="2016-08-19")
    g.rel("LEGAL_REPRESENTATIVE_OF", p, b)
    g.rel("OWNS", a, v1)
    g.rel("OWNS", b, v2)
    g.rel("EMPLOYED_BY", d, a)
    g.rel("DRIVES", d, v1)
    g.rel("LOCATED_IN", a, g.node("Region", "320500", name="苏州市", level="city"))
    g.rel("LOCATED_IN", b, "Region:320500")
    g.listed(a, "严重失信", listed_on="2025-05-20")
    g.grade(a, "D", valid_from="2025-04-01", valid_to="2026-03-31")
    g.grade(b, "B", valid_from="2025-04-01", valid_to="2026-03-31")
    g.listed(d, "重点监管", listed_on="2025-01-10")
    g.commit()
    return a, b, p, d, v1, v2


def test_two_hops_reach_the_representative_the_sister_firm_and_the_fleet(store):
    a, b, p, d, v1, v2 = dishonest_firm_story(store)
    r = related(store, a, depth=2, as_of=AS_OF)
    assert [(x.uid, x.distance) for x in r.items] == [
        (d, 1), (p, 1), (v1, 1), (b, 2)]  # by distance, then label, then uid; 苏E00002 is 3 hops
    assert r.total == 4 and not r.cut and r.next_offset is None
    assert r.subject_status.lists == ("严重失信",) and r.subject_status.grade == "D"
    sister = r.items[-1]
    assert sister.name == "乙物流公司"
    assert [(s.frm, s.rel_type, s.to, s.direction) for s in sister.path] == [
        (a, "LEGAL_REPRESENTATIVE_OF", p, "in"), (p, "LEGAL_REPRESENTATIVE_OF", b, "out")]
    assert [s.text for s in sister.path] == [
        "张三 is the legal representative of 甲运输公司 (since 2016-08-19)",
        "张三 is the legal representative of 乙物流公司"]
    assert sister.status.grade == "B" and sister.status.lists == ()
    driver = next(x for x in r.items if x.uid == d)
    assert driver.status.lists == ("重点监管",)
    # The region is not a relationship between subjects: it joins nobody by default.
    assert all(x.label != "Region" for x in r.items)


def test_kinds_filter_the_answer_but_not_the_walk(store):
    a, b, *_ = dishonest_firm_story(store)
    r = related(store, a, depth=2, kinds=["Enterprise"], as_of=AS_OF)
    assert [x.uid for x in r.items] == [b]
    r = related(store, a, depth=1, relation_types=["OWNS"], as_of=AS_OF)
    assert [x.uid for x in r.items] == ["Vehicle:苏E00001"]


def test_a_hub_is_capped_and_grouped_and_pages_cover_it_once(store):
    g = GraphBuilder(store)
    hub = g.firm("HUB", name="江海航运集团")
    rep = g.person("boss", name="王五")
    g.rel("LEGAL_REPRESENTATIVE_OF", rep, hub)
    for i in range(60):
        g.rel("OWNS", hub, g.vessel(f"CN2018{i:07d}"))
    g.commit()
    r = related(store, hub, depth=1, cap=20, as_of=AS_OF)
    assert r.cut and not r.truncated and r.total == 21
    [group] = r.groups
    assert (group.via, group.rel_type, group.label, group.total) == (hub, "OWNS", "Vessel", 60)
    assert group.shown == tuple(f"Vessel:CN2018{i:07d}" for i in range(20))  # first in uid order
    assert group.text == "Vessel × 60 via OWNS of 江海航运集团, 20 shown"
    seen, offset = [], 0
    while offset is not None:
        page = related(store, hub, depth=1, cap=20, as_of=AS_OF, offset=offset, limit=8)
        assert len(page.items) <= 8
        seen.extend(x.uid for x in page.items)
        offset = page.next_offset
    assert len(seen) == len(set(seen)) == 21 and seen[0] == rep


def test_max_nodes_stops_the_walk_and_says_so(store):
    g = GraphBuilder(store)
    hub = g.firm("HUB")
    for i in range(30):
        g.rel("OWNS", hub, g.vehicle(f"苏E{i:05d}"))
    g.commit()
    r = related(store, hub, depth=1, cap=50, max_nodes=10, as_of=AS_OF)
    assert r.truncated and r.cut and r.total == 10


def test_who_owned_the_ship_on_a_given_day(store):
    g = GraphBuilder(store)
    ship = g.vessel("CN20150873419", name="苏通货1688")
    old, new = g.firm("OLD", name="旧航运公司"), g.firm("NEW", name="新航运公司")
    g.rel("OWNS", old, ship, valid_from="2015-05-01", valid_to="2024-01-31")
    g.rel("OWNS", new, ship, valid_from="2024-02-01")
    g.commit()
    on = lambda day: [x.uid for x in related(store, ship, depth=1, as_of=day).items]  # noqa: E731
    assert on("2024-03-01") == [new]
    assert on("2023-03-01") == [old]
    assert on("2024-01-31") == [old]  # valid_to is the last day
    assert on("2015-01-01") == []
    item = related(store, ship, depth=1, as_of="2024-03-01").items[0]
    assert item.path[0].valid_from == "2024-02-01" and item.path[0].valid_to is None
    assert item.path[0].text == "新航运公司 owns 苏通货1688 (CN20150873419) (since 2024-02-01)"


def test_status_is_pluggable_and_computed_for_the_page_only(store):
    a, *_ = dishonest_firm_story(store)
    calls = []

    def status(store_, uids, day):
        calls.append(list(uids))
        return {u: CreditStatus(grade="X", measures=("禁止参加招投标",)) for u in uids}

    r = related(store, a, depth=2, as_of=AS_OF, limit=2, status=status)
    assert calls == [[a] + [x.uid for x in r.items]] and len(calls[0]) == 3
    assert r.subject_status.grade == "X"
    assert all(x.status.measures == ("禁止参加招投标",) for x in r.items)


def test_bad_input_is_a_clear_error_or_a_trivial_answer(store, english):
    a, *_ = dishonest_firm_story(store)
    with pytest.raises(InvalidInput, match="configured maximum"):
        related(store, a, depth=MAX_DEPTH + 1, as_of=AS_OF)
    with pytest.raises(UnknownSubject):
        related(store, "Enterprise:NOBODY", as_of=AS_OF)
    with pytest.raises(InvalidInput, match="as_of"):
        related(store, a, as_of="2025-02-30")
    with pytest.raises(InvalidInput, match="kind"):
        related(store, a, kinds=["Ship"], as_of=AS_OF)
    with pytest.raises(InvalidInput, match="ABOUT"):
        related(store, a, relation_types=["ABOUT"], as_of=AS_OF)
    with pytest.raises(InvalidInput, match="limit"):
        related(store, a, limit=0, as_of=AS_OF)
    r = related(store, a, depth=0, as_of=AS_OF)
    assert r.items == () and r.total == 0
