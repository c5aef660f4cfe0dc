"""clusters(): connected subjects carrying dishonesty, ranked by size and severity."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.tracing.clusters import clusters, dishonest_subjects
from tests.support.graph import GraphBuilder

AS_OF = "2025-06-30"


def story(store):
    """Three dishonest firms behind one representative, a dishonest firm with its
    dishonest driver, one isolated dishonest firm, and subjects that only look dishonest."""
    g = GraphBuilder(store)
    g.node("Region", "320500", name="苏州市", level="city")
    boss = g.person("boss", name="张三")
    a, b, c = g.firm("A", name="甲"), g.firm("B", name="乙"), g.firm("C", name="丙")
    for firm in (a, b, c):
        g.rel("LEGAL_REPRESENTATIVE_OF", boss, firm)
        g.rel("LOCATED_IN", firm, "Region:320500")
    g.listed(a, "严重失信", listed_on="2025-01-10")
    g.grade(a, "D", valid_from="2025-04-01", valid_to="2026-03-31")
    g.grade(b, "D", valid_from="2025-04-01", valid_to="2026-03-31")
    g.penalty("P-C1", c, "2024-02-01")
    g.penalty("P-C2", c, "2025-03-01")
    # A firm and its driver, both dishonest, joined directly.
    d, x = g.firm("D", name="丁"), g.person("x", name="李四")
    g.rel("EMPLOYED_BY", x, d)
    g.listed(d, "严重失信", listed_on="2024-12-01")
    g.listed(x, "严重失信", listed_on="2025-02-01")
    # Isolated, but in the same city as 甲乙丙: the city joins nobody.
    e = g.firm("E", name="戊")
    g.rel("LOCATED_IN", e, "Region:320500")
    g.listed(e, "严重失信", listed_on="2025-01-01")
    # Look-alikes joined to 张三 that do not carry dishonesty on AS_OF.
    looks = {}
    for key, setup in {
        "one_serious": lambda f: g.penalty("P-one", f, "2025-01-01"),
        "revoked": lambda f: (g.penalty("P-revoked-1", f, "2025-01-01"),
                              g.penalty("P-revoked-2", f, "2025-02-01", status="撤销")),
        "repaired": lambda f: (g.penalty("P-repaired", f, "2025-01-01"), g.penalty("R1", f, "2024-01-01"),
                               g.repair("R1", "2025-01-20")),
        "stale": lambda f: (g.penalty("P-stale-1", f, "2025-01-01"),
                            g.penalty("P-stale-2", f, "2021-01-01")),
        "ordinary": lambda f: (g.penalty("P-ordinary-1", f, "2025-01-01", severity="一般"),
                               g.penalty("P-ordinary-2", f, "2025-02-01")),
        "upgraded": lambda f: (g.grade(f, "D", valid_from="2023-04-01", valid_to="2024-03-31"),
                               g.grade(f, "B", valid_from="2024-04-01", valid_to="2025-03-31"),
                               g.grade(f, "B", valid_from="2025-04-01", valid_to="2026-03-31")),
        "removed": lambda f: g.listed(f, "严重失信", listed_on="2023-01-01", removed_on="2024-01-01"),
        "future": lambda f: g.listed(f, "严重失信", listed_on="2025-09-01"),
    }.items():
        firm = looks[key] = g.firm(key.upper())
        g.rel("LEGAL_REPRESENTATIVE_OF", boss, firm)
        setup(firm)
    g.commit()
    return dict(a=a, b=b, c=c, d=d, x=x, e=e, boss=boss, **looks)


def test_who_carries_dishonesty_and_why(store):
    s = story(store)
    found = dishonest_subjects(store, as_of=AS_OF)
    assert set(found) == {s["a"], s["b"], s["c"], s["d"], s["x"], s["e"]}
    assert found[s["a"]].reasons == ("on 严重失信 list", "grade D") and found[s["a"]].severity == 5
    assert found[s["c"]].reasons == ("2 serious penalties",) and found[s["c"]].severity == 2
    assert all(u.startswith(("ListEntry:", "Evaluation:", "Penalty:")) for u in found[s["c"]].evidence + found[s["a"]].evidence)
    later = dishonest_subjects(store, as_of="2025-10-01")
    assert s["future"] in later


def test_clusters_are_ranked_by_size_then_severity_with_their_evidence(store):
    s = story(store)
    r = clusters(store, as_of=AS_OF)
    assert r.total == 2 and r.dishonest == 6 and r.clustered == 5 and r.next_offset is None
    big, small = r.clusters
    assert [m.uid for m in big.members] == [s["a"], s["b"], s["c"]]  # most severe first
    assert big.bridges == (s["boss"],) and big.size == 3 and big.severity == 5 + 2 + 2
    assert {(st.frm, st.rel_type, st.to, st.direction) for st in big.links} == {
        (f, "LEGAL_REPRESENTATIVE_OF", s["boss"], "in") for f in (s["a"], s["b"], s["c"])}
    assert big.links[0].text == "张三 is the legal representative of 甲"
    assert big.summary == ("3 dishonest subjects (3 Enterprise) joined through 张三: "
                           "甲 (on 严重失信 list, grade D) and 2 more")
    assert [m.uid for m in small.members] == [s["d"], s["x"]] and small.bridges == ()
    [link] = small.links
    assert (link.src, link.rel_type, link.dst) == (s["x"], "EMPLOYED_BY", s["d"])
    alone = clusters(store, as_of=AS_OF, min_size=1)
    assert alone.total == 3 and [m.uid for m in alone.clusters[2].members] == [s["e"]]
    paged = clusters(store, as_of=AS_OF, limit=1, offset=1)
    assert [m.uid for m in paged.clusters[0].members] == [s["d"], s["x"]] and paged.next_offset is None


def test_relationships_that_ended_do_not_join(store):
    g = GraphBuilder(store)
    p = g.person("p")
    a, b = g.firm("A"), g.firm("B")
    g.rel("LEGAL_REPRESENTATIVE_OF", p, a)
    g.rel("LEGAL_REPRESENTATIVE_OF", p, b, valid_to="2024-12-31")
    g.listed(a, listed_on="2024-01-01")
    g.listed(b, listed_on="2024-01-01")
    g.commit()
    assert clusters(store, as_of=AS_OF).total == 0
    assert clusters(store, as_of="2024-06-30").clusters[0].size == 2


def test_a_dishonest_hub_is_capped_and_named(store):
    g = GraphBuilder(store)
    hub = g.firm("HUB")
    g.listed(hub, listed_on="2024-01-01")
    for i in range(12):
        v = g.vehicle(f"苏E{i:05d}")
        g.rel("OWNS", hub, v)
    g.listed("Vehicle:苏E00011", listed_on="2024-01-01")  # beyond the cap from the hub, found from the vehicle
    g.commit()
    r = clusters(store, as_of=AS_OF, cap=5)
    assert r.cut == (("Enterprise:HUB", "OWNS", 12),)
    assert [m.uid for m in r.clusters[0].members] == ["Enterprise:HUB", "Vehicle:苏E00011"]


def test_bad_input(store):
    with pytest.raises(InvalidInput):
        clusters(store, as_of="yesterday")
    with pytest.raises(InvalidInput):
        clusters(store, as_of=AS_OF, min_size=0)
    with pytest.raises(InvalidInput, match="window_days"):
        clusters(store, as_of=AS_OF, window_days=-1)
    assert clusters(store, as_of=AS_OF).total == 0  # an empty store
