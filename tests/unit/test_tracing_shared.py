"""Shared identifiers: firms linked by the same phone, address or legal representative."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.tracing.shared_identifiers import shared_identifier_rings, shared_identifiers
from tests.support.graph import GraphBuilder

AS_OF = "2025-06-30"


def ring_story(store):
    """甲 shares its phone with 乙 and its address with 丙; 乙 and 丁 share a legal
    representative who left 丁 in 2020; 戊 shares nothing."""
    g = GraphBuilder(store)
    a = g.firm("A", name="甲", phone="0512-6528 1234", phone_norm="051265281234",
               address="苏州市吴中大道1088号", address_norm="苏州市吴中大道1088号")
    b = g.firm("B", name="乙", phone="0512 65281234", phone_norm="051265281234", address_norm="苏州市前进西路1号")
    c = g.firm("C", name="丙", phone_norm="13900000000", address="苏州市 吴中大道 1088 号",
               address_norm="苏州市吴中大道1088号")
    d = g.firm("D", name="丁", phone_norm="13900000001")
    e = g.firm("E", name="戊", phone_norm="13900000002", address_norm="杭州市文三路199号")
    p = g.person("p", name="张三", id_masked="320402********0353")
    g.rel("LEGAL_REPRESENTATIVE_OF", p, b)
    g.rel("LEGAL_REPRESENTATIVE_OF", p, d, valid_to="2020-12-31")
    g.commit()
    return a, b, c, d, e, p


def test_a_firm_sees_who_shares_its_phone_address_and_representative(store):
    a, b, c, d, e, p = ring_story(store)
    r = shared_identifiers(store, a, as_of=AS_OF)
    assert [(x.uid, x.via) for x in r.linked] == [
        (b, (("phone", "0512-6528 1234"),)),
        (c, (("address", "苏州市吴中大道1088号"),)),
    ]
    assert {(i.kind, i.value, i.firms) for i in r.identifiers} == {
        ("phone", "051265281234", (a, b)), ("address", "苏州市吴中大道1088号", (a, c))}
    assert not r.truncated
    only_phone = shared_identifiers(store, a, as_of=AS_OF, kinds=["phone"])
    assert [x.uid for x in only_phone.linked] == [b]


def test_a_shared_representative_counts_while_it_is_valid(store):
    a, b, c, d, e, p = ring_story(store)
    now = shared_identifiers(store, b, as_of=AS_OF)
    assert [x.uid for x in now.linked] == [a]  # the phone; 张三 left 丁 in 2020
    then = shared_identifiers(store, b, as_of="2019-01-01")
    assert [(x.uid, x.via) for x in then.linked] == [
        (a, (("phone", "0512 65281234"),)),
        (d, (("legal_representative", "张三 (320402********0353)"),)),
    ]


def test_rings_join_firms_through_any_shared_identifier_largest_first(store):
    a, b, c, d, e, p = ring_story(store)
    r = shared_identifier_rings(store, as_of="2019-01-01")
    assert r.total == 1 and r.next_offset is None
    [ring] = r.rings
    assert ring.firms == (a, b, c, d) and e not in ring.firms
    assert sorted(i.kind for i in ring.identifiers) == ["address", "legal_representative", "phone"]
    assert ring.summary.startswith("4 firms share 1 address, 1 legal representative, 1 phone: 甲, 乙, 丙, 丁")
    now = shared_identifier_rings(store, as_of=AS_OF)
    assert [x.firms for x in now.rings] == [(a, b, c)]


def test_a_switchboard_shared_by_many_is_reported_but_joins_nobody(store):
    g = GraphBuilder(store)
    for i in range(6):
        g.firm(f"P{i}", phone_norm="4008001234")
    g.firm("Q1", address_norm="某路1号")
    g.firm("Q2", address_norm="某路1号")
    g.commit()
    r = shared_identifier_rings(store, as_of=AS_OF, max_share=5)
    assert [x.firms for x in r.rings] == [("Enterprise:Q1", "Enterprise:Q2")]
    [common] = r.common
    assert (common.kind, common.value, common.total) == ("phone", "4008001234", 6)
    paged = shared_identifier_rings(store, as_of=AS_OF, max_share=10, limit=1)
    assert paged.total == 2 and paged.rings[0].size == 6 and paged.next_offset == 1
    one = shared_identifiers(store, "Enterprise:P0", as_of=AS_OF, max_share=3)
    assert one.truncated and one.identifiers[0].total > 3


def test_only_enterprises_are_compared(store, english):
    a, b, c, d, e, p = ring_story(store)
    with pytest.raises(InvalidInput, match="enterprises"):
        shared_identifiers(store, p, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="identifier kinds"):
        shared_identifiers(store, a, as_of=AS_OF, kinds=["email"])
