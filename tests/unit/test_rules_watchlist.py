"""Shared watchlists (DOMAIN.md rules 5 and 19, cases #3, #8, #19) on small hand-built graphs,
every store."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.rules.recognition import OWN
from queries.rules.watchlist import shared_watchlist
from tests.support.graph import (
    CHANGZHOU, HANGZHOU, NANTONG, SUZHOU, WUXI, WUZHONG, XINWU, GraphBuilder, sxct,
)


def airport_taxis(store):
    """Case #3: Wuxi lists four airport taxis; two are Suzhou's.  Suzhou and Changzhou list
    their own; Hangzhou (no agreement) too."""
    g = GraphBuilder(store)
    sxct(g)
    wuxi_firm = g.firm("WX", XINWU)
    suzhou_firm = g.firm("SZ", "320508")
    for plate, region, owner in (("苏BD05227", XINWU, wuxi_firm), ("苏BT2860", XINWU, wuxi_firm),
                                 ("苏ED12876", "320508", suzhou_firm), ("苏E3T519", "320507", suzhou_firm)):
        g.vehicle(plate, region, owner)
        g.listed(f"Vehicle:{plate}", "重点监管", WUXI, "2023-09-01",
                 "2024-10-15" if plate == "苏BT2860" else None)
    g.listed(suzhou_firm, "重点监管", SUZHOU, "2025-06-03")
    g.listed(suzhou_firm, "红名单", SUZHOU, "2025-01-01")
    g.firm("CZ", CHANGZHOU)
    g.listed("Enterprise:CZ", "重点监管", CHANGZHOU, "2025-05-08")
    g.listed("Enterprise:CZ", "严重失信", CHANGZHOU, "2025-05-08")  # kind not shared; nationwide
    g.firm("HZ", HANGZHOU)
    g.listed("Enterprise:HZ", "重点监管", HANGZHOU, "2025-05-08")
    return g.commit()


def subjects(page):
    return [e.subject for e in page.entries]


def test_own_and_partner_entries_of_shared_kinds_in_force(store):
    airport_taxis(store)
    page = shared_watchlist(store, SUZHOU, "2026-06-01")
    assert sorted(subjects(page)) == sorted([
        "Enterprise:CZ", "Enterprise:CZ", "Enterprise:SZ", "Enterprise:SZ", "Vehicle:苏BD05227",
        "Vehicle:苏E3T519", "Vehicle:苏ED12876"])  # SZ: 重点监管 and 红名单; CZ: 重点监管, 严重失信
    by = {(e.subject, e.list_kind): e for e in page.entries}
    assert by[("Enterprise:SZ", "红名单")].counted_by == OWN
    assert by[("Vehicle:苏E3T519", "重点监管")].counted_by == "苏锡常通"
    assert by[("Vehicle:苏E3T519", "重点监管")].agreement == "Agreement:苏锡常通"
    # The agreement shares 重点监管 only, but a 严重失信 designation binds nationwide (#8).
    assert (by[("Enterprise:CZ", "严重失信")].basis, by[("Enterprise:CZ", "严重失信")].agreement) == (
        "NATIONWIDE", None)
    assert "Enterprise:HZ" not in subjects(page)
    assert [s.counted_by for s in page.sources] == [OWN, "苏锡常通", "nationwide"]
    # Removed on 2024-10-15: listed the day before, gone that day.
    assert "Vehicle:苏BT2860" in subjects(shared_watchlist(store, SUZHOU, "2024-10-14", "重点监管"))
    assert "Vehicle:苏BT2860" not in subjects(shared_watchlist(store, SUZHOU, "2024-10-15", "重点监管"))
    # Before the agreement (2023-03-01) nothing of Wuxi's is seen in Suzhou.
    assert subjects(shared_watchlist(store, SUZHOU, "2023-02-28")) == []


def test_jurisdiction_only_keeps_the_subjects_based_in_the_region(store):
    airport_taxis(store)
    page = shared_watchlist(store, SUZHOU, "2026-06-01", "重点监管", jurisdiction_only=True)
    assert subjects(page) == ["Enterprise:SZ", "Vehicle:苏E3T519", "Vehicle:苏ED12876"]
    assert {e.subject_region for e in page.entries} == {"320508", "320507"}
    county = shared_watchlist(store, "320507", "2026-06-01", "重点监管", jurisdiction_only=True)
    assert subjects(county) == ["Vehicle:苏E3T519"]  # a county of Suzhou: its own taxi only
    wuxi = shared_watchlist(store, WUXI, "2026-06-01", "重点监管", jurisdiction_only=True)
    assert subjects(wuxi) == ["Vehicle:苏BD05227"]


def test_a_provincial_list_binds_its_cities_and_an_expired_agreement_shares_nothing(store):
    g = GraphBuilder(store)
    g.firm("F1", WUZHONG)
    g.listed("Enterprise:F1", "重点关注", "320000", "2024-09-10")
    g.firm("F2", NANTONG)
    g.listed("Enterprise:F2", "重点关注", NANTONG, "2024-09-10")
    g.agreement("旧协议", [SUZHOU, NANTONG], effective_to="2024-12-31", list_kinds=[])
    g.commit()
    assert subjects(shared_watchlist(store, WUZHONG, "2026-01-01")) == ["Enterprise:F1"]
    assert subjects(shared_watchlist(store, SUZHOU, "2024-12-31")) == ["Enterprise:F1", "Enterprise:F2"]
    assert subjects(shared_watchlist(store, SUZHOU, "2025-01-01")) == ["Enterprise:F1"]


def test_pages_are_stable_and_add_up_to_the_whole_list(store):
    g = GraphBuilder(store)
    sxct(g)
    for i in range(23):
        region = (SUZHOU, WUXI, CHANGZHOU, HANGZHOU)[i % 4]
        g.vehicle(f"苏E{i:05d}", region)
        g.listed(f"Vehicle:苏E{i:05d}", "重点监管", region, "2025-01-01",
                 "2025-06-01" if i % 5 == 0 else None)
    g.commit()
    whole = shared_watchlist(store, SUZHOU, "2026-01-01", limit=1000)
    assert whole.next_after is None
    expected = [f"Vehicle:苏E{i:05d}" for i in range(23) if i % 4 != 3 and i % 5 != 0]
    assert subjects(whole) == expected  # uid order
    seen, after = [], None
    while True:
        page = shared_watchlist(store, SUZHOU, "2026-01-01", after=after, limit=4)
        assert len(page.entries) <= 4
        seen += subjects(page)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == expected
    assert shared_watchlist(store, SUZHOU, "2026-01-01", after=after, limit=4) == page  # stable


def test_bad_input_is_a_clear_error(store, english):
    airport_taxis(store)
    with pytest.raises(InvalidInput, match="list_kind"):
        shared_watchlist(store, SUZHOU, "2026-06-01", "黑名单")
    with pytest.raises(InvalidInput, match="known division code"):
        shared_watchlist(store, "999999", "2026-06-01")
    with pytest.raises(InvalidInput, match="as_of"):
        shared_watchlist(store, SUZHOU, "06/01/2026")
    with pytest.raises(InvalidInput, match="limit"):
        shared_watchlist(store, SUZHOU, "2026-06-01", limit=0)


def test_a_basin_authoritys_entries_bind_along_the_river_and_serious_dishonesty_everywhere(store):
    """#19: 长江航务管理局 (seated in Wuhan) serves "沿江各省（市）10 余家交通运输主管部门"; #8
    pushes serious dishonesty to the national credit sites."""
    g = GraphBuilder(store)
    g.jurisdiction("长江航务管理局", "CJHY", "流域", ["320000", "420000", "510000"],
                   seats=("420100",), effective_from="2023-12-01")
    g.vessel("CN20120456128", NANTONG)
    g.listed("Vessel:CN20120456128", "重点监管", "420100", "2024-05-01", agency="长江航务管理局")
    g.vessel("CN20120456129", NANTONG)
    g.listed("Vessel:CN20120456129", "重点监管", "420100", "2024-05-01", agency="武汉市交通运输局")
    g.firm("SD", "370100")
    g.listed("Enterprise:SD", "严重失信", "370000", "2025-01-01")
    g.commit()
    page = shared_watchlist(store, NANTONG, "2026-06-01")
    by = {e.subject: e for e in page.entries}
    assert set(by) == {"Vessel:CN20120456128", "Enterprise:SD"}  # not the Wuhan bureau's
    assert (by["Vessel:CN20120456128"].basis, by["Vessel:CN20120456128"].counted_by) == (
        "BASIN", "长江航务管理局 (basin jurisdiction)")
    assert by["Enterprise:SD"].basis == "NATIONWIDE"
    assert "Vessel:CN20120456128" not in subjects(shared_watchlist(store, HANGZHOU, "2026-06-01"))
    assert "Vessel:CN20120456128" not in subjects(shared_watchlist(store, NANTONG, "2023-11-30"))
    assert subjects(shared_watchlist(store, HANGZHOU, "2026-06-01", "严重失信")) == ["Enterprise:SD"]
    assert subjects(shared_watchlist(store, NANTONG, "2026-06-01", "重点监管")) == [
        "Vessel:CN20120456128"]
