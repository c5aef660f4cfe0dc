"""Successor shells: a new firm with the same people, phone or address takes over the units of
a deregistered, revoked or seriously dishonest firm."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.tracing.successors import successor_shells, successors
from tests.support.graph import GraphBuilder

AS_OF = "2024-12-31"


def revoked_story(store, takeover_on="2024-04-15", established="2024-04-10"):
    """甲 loses its licence on 2024-03-01 (吊销, with a status date); 乙, set up by the same
    legal representative 张三, owns 甲's truck from ``takeover_on``."""
    g = GraphBuilder(store)
    a = g.firm("A", name="甲", status="吊销", 吊销日期="2024-03-01", established="2015-06-01")
    b = g.firm("B", name="乙", status="存续", established=established)
    p = g.person("p", name="张三")
    truck = g.vehicle("苏E12345")
    g.rel("LEGAL_REPRESENTATIVE_OF", p, a)
    g.rel("LEGAL_REPRESENTATIVE_OF", p, b, valid_from=established)
    g.rel("OWNS", a, truck, valid_from="2018-01-01", valid_to="2024-03-10")
    g.rel("OWNS", b, truck, valid_from=takeover_on)
    g.commit()
    return a, b, p, truck


def test_a_shell_is_reported_with_its_evidence(store):
    a, b, p, truck = revoked_story(store)
    [shell] = successors(store, a, as_of=AS_OF)
    assert (shell.predecessor, shell.successor, shell.days) == (a, b, 45)
    assert (shell.event.kind, shell.event.date.isoformat(), shell.event.date_source) == (
        "吊销", "2024-03-01", "吊销日期")
    assert shell.shared == (("legal_representative", "张三"),)
    [t] = shell.takeovers
    assert (t.unit, t.rel_type, t.on.isoformat()) == (truck, "OWNS", "2024-04-15")
    assert t.before.text == "甲 owns 苏E12345 (since 2018-01-01 until 2024-03-10)"
    assert t.after.text == "乙 owns 苏E12345 (since 2024-04-15)"
    assert shell.summary == ("乙 took over 1 unit of 甲 45 days after 吊销 (2024-03-01); "
                             "shares legal representative 张三")
    everything = successor_shells(store, as_of=AS_OF)
    assert [s.successor for s in everything.shells] == [b] and everything.predecessors == 1


def test_no_shell_outside_the_window(store):
    a, b, *_ = revoked_story(store, takeover_on="2024-12-01", established="2024-11-20")
    assert successors(store, a, as_of=AS_OF) == ()  # 275 days after
    [late] = successors(store, a, as_of=AS_OF, within_days=300)
    assert late.days == 275
    assert successors(store, a, as_of="2024-11-30", within_days=300) == ()  # not yet happened


def test_an_old_sister_firm_or_a_firm_without_shared_identifier_is_no_shell(store):
    a, b, p, truck = revoked_story(store, established="2010-01-01")
    assert successors(store, a, as_of=AS_OF) == ()  # 乙 is not new
    g = GraphBuilder(store)
    c = g.firm("C", name="丙", established="2024-04-01")  # shares nothing with 甲
    g.rel("OWNS", c, truck, valid_from="2024-04-02")
    g.commit()
    assert successors(store, a, as_of=AS_OF) == ()


def test_a_listed_firm_whose_driver_moves_to_a_firm_at_its_phone(store):
    g = GraphBuilder(store)
    a = g.firm("A", name="甲", phone="0512-65281234", phone_norm="051265281234", established="2016-01-01")
    b = g.firm("B", name="乙", phone="051265281234", phone_norm="051265281234", established="2025-07-01")
    near_miss = g.firm("N", name="丙", phone_norm="051265281234", established="2025-07-01")
    driver, other = g.person("d", name="李四"), g.person("o", name="王五")
    g.rel("EMPLOYED_BY", driver, a, valid_to="2025-06-30")
    g.rel("EMPLOYED_BY", driver, b, valid_from="2025-07-05")
    g.rel("EMPLOYED_BY", other, near_miss, valid_from="2025-07-05")  # none of 甲's people
    g.listed(a, "严重失信", listed_on="2025-06-20")
    g.commit()
    [shell] = successors(store, a, as_of="2025-12-31")
    assert (shell.successor, shell.event.kind, shell.days) == (b, "严重失信", 15)
    assert shell.shared == (("phone", "0512-65281234"),)
    assert shell.takeovers[0].after.text == "李四 is employed by 乙 (since 2025-07-05)"
    assert shell.event.evidence.startswith("ListEntry:")
    assert successors(store, a, as_of="2025-06-01") == ()  # before the listing


def test_undated_pairs_are_reported_unless_excluded(store):
    g = GraphBuilder(store)
    a = g.firm("A", name="甲", status="注销", address_norm="苏州市人民路1号")
    b = g.firm("B", name="乙", address_norm="苏州市人民路1号", address="苏州市人民路1号")
    ship = g.vessel("CN20120456128", name="苏通油369")
    g.rel("OWNS", a, ship)
    g.rel("OWNS", b, ship)
    g.commit()
    [shell] = successors(store, a, as_of=AS_OF)
    assert shell.days is None and shell.event.date is None and shell.event.date_source == "unknown"
    assert "timing unknown" in shell.summary
    assert successors(store, a, as_of=AS_OF, include_undated=False) == ()
    assert successor_shells(store, as_of=AS_OF, include_undated=False).total == 0


def test_bad_input(store, english):
    a, b, p, truck = revoked_story(store)
    with pytest.raises(InvalidInput, match="enterprise"):
        successors(store, truck, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="within_days"):
        successors(store, a, as_of=AS_OF, within_days=-1)
