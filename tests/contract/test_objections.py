"""Objections and due process (DOMAIN.md rule 21; cases #4, #9, #13, #19) on every store:
each lifecycle walked through the loaders' write path, and the answers that follow it.

A correction is a new version, never an overwrite: an answer ``as_of`` a day before the
decision is what it was, an answer from the decision day follows the new version; a
record under an open objection is flagged in recognition, watchlists and discipline; a
notified 严重失信 listing (#9 "严格履行告知、听取当事人陈述申辩等程序") takes effect only when
its statement period ends without a successful objection.
"""

from __future__ import annotations

import pytest

from api.objection_writes import NotDecidable, decide_objection, file_objection
from graph_model.i18n import use_language
from queries.dates import InvalidInput
from queries.rules.discipline import discipline, discipline_batch
from queries.rules.objections import objection_queue, objection_stats
from queries.rules.recognition import recognized_grade
from queries.rules.watchlist import shared_watchlist
from queries.versions import counted
from tests.support.graph import CHANGZHOU, ROAD5, SUZHOU, WUXI, GraphBuilder, sxct
from tests.support.stores import TEST_SECRET

# (real-form codes: the loaders' checks run on every write)
A, B, F = ("Enterprise:91320506MA1MKT3P0P", "Enterprise:91320583MA1N2Q7D2B",
           "Enterprise:91320411250183647M")
P = "Person:P"
ENTRY = f"ListEntry:严重失信|{A}|{SUZHOU}|2025-06-20"
SRC = "test:objections"


def _story(store):
    """A (Suzhou) is seriously dishonest from 2025-06-20; P represents A and B.  F, a
    Changzhou firm, is graded C by Changzhou for 2026; 苏锡常通 covers road grades."""
    g = GraphBuilder(store)
    g.firm(A[11:]), g.firm(B[11:]), g.firm(F[11:], CHANGZHOU)
    g.person(P[7:])
    g.rel("LEGAL_REPRESENTATIVE_OF", P, A)
    g.rel("LEGAL_REPRESENTATIVE_OF", P, B)
    g.listed(A, "严重失信", SUZHOU, "2025-06-20")
    g.grade(F, "C", CHANGZHOU, "2026-04-01", "2027-03-31")
    sxct(g)
    g.commit()


def _file(store, record_uid, day, no):
    record = store.get_nodes([record_uid])[record_uid]
    return file_objection(store, TEST_SECRET, record, day, grounds="不服", objection_no=no,
                          source=SRC, writer=None)


def _decide(store, no, status, day, region=SUZHOU, agency=None, **kw):
    return decide_objection(store, TEST_SECRET, f"Objection:{no}", status, day,
                            agency=agency or f"{region}局", region=region, source=SRC, **kw)


def test_a_withdrawn_listing_ends_its_discipline_from_the_decision_day(store):
    _story(store)
    o = _file(store, ENTRY, "2026-03-02", "YY-1")
    assert (o.props["status"], o.props["accepted_on"], o.props["due_on"]) == (
        "受理", "2026-03-02", "2026-03-12")  # a list entry: 10 days (a local default)
    _decide(store, "YY-1", "核查中", "2026-03-05")
    # under review: the entry still counts, flagged in discipline and on the watchlist
    r = discipline(store, A, "2026-03-10", SUZHOU)
    assert r.measures and {str(m.trigger.under_objection_since) for m in r.measures} == {"2026-03-02"}
    assert {m.trigger.under_objection for m in r.measures} == {"Objection:YY-1"}
    page = shared_watchlist(store, SUZHOU, "2026-03-10", "严重失信")
    assert [(e.uid, str(e.under_objection_since)) for e in page.entries] == [(ENTRY, "2026-03-02")]
    # not flagged before it was filed
    assert {m.trigger.under_objection_since for m in discipline(store, A, "2026-03-01").measures} == {None}

    obj, fix = _decide(store, "YY-1", "撤销", "2026-03-20", reason="认定依据不足")
    assert fix is None and (obj.props["status"], obj.props["closed_on"]) == ("撤销", "2026-03-20")
    assert discipline(store, A, "2026-03-19", SUZHOU).measures  # the day before: unchanged
    assert discipline(store, A, "2026-03-20", SUZHOU).measures == ()
    rep_before = discipline(store, P, "2026-03-19", SUZHOU)
    assert rep_before.measures and not discipline(store, P, "2026-03-20", SUZHOU).measures
    assert discipline(store, B, "2026-03-19").leads and not discipline(store, B, "2026-03-20").leads
    assert A in discipline_batch(store, SUZHOU, "2026-03-19") and \
        A not in discipline_batch(store, SUZHOU, "2026-03-20")
    assert shared_watchlist(store, SUZHOU, "2026-03-20", "严重失信").entries == ()
    # the old version stays: nothing was overwritten or deleted
    assert store.get_nodes([ENTRY])[ENTRY].props.get("removed_on") is None


def test_a_corrected_grade_changes_the_grade_partner_cities_recognise(store, english):
    _story(store)
    ev = f"Evaluation:{F}|{ROAD5}|{CHANGZHOU}|2026-04-01"
    _file(store, ev, "2026-05-02", "YY-2")
    g = recognized_grade(store, F, SUZHOU, "2026-05-10")
    assert g.grade == "C" and str(g.evaluation.under_objection_since) == "2026-05-02"
    assert "under objection since 2026-05-02 (objection YY-2)" in g.explain()
    with use_language("zh-CN"):  # the default language says it as a sentence of its own
        assert g.explain().endswith("该记录自2026年5月2日起处于异议核查中（异议编号YY-2）。")
    with pytest.raises(InvalidInput, match="changes"):
        _decide(store, "YY-2", "更正", "2026-06-15", CHANGZHOU)  # what is corrected?
    # Suzhou does not decide a Changzhou grade: the same answer as for no objection at all
    for no in ("YY-2", "YY-NONE"):
        with pytest.raises(NotDecidable, match="no such objection"):
            _decide(store, no, "维持", "2026-06-15", SUZHOU)
    obj, fix = _decide(store, "YY-2", "更正", "2026-06-15", CHANGZHOU,
                       reason="扣分记录有误", changes={"grade": "B", "score": "81"})
    assert obj.props["correction"] == fix.uid and fix.props["supersedes"] == ev
    assert fix.props["grade"] == "B" and store.get_nodes([ev])[ev].props["grade"] == "C"
    before, after = (recognized_grade(store, F, SUZHOU, d) for d in ("2026-06-14", "2026-06-15"))
    assert (before.grade, before.evaluation.uid) == ("C", ev)
    assert (after.grade, after.evaluation.uid, after.evaluation.supersedes) == ("B", fix.uid, ev)
    assert after.evaluation.under_objection_since is None
    assert recognized_grade(store, F, WUXI, "2026-07-01").grade == "B"
    # decided: no further step
    with pytest.raises(InvalidInput, match="cannot become"):
        _decide(store, "YY-2", "撤销", "2026-07-01", CHANGZHOU, reason="x")


def test_undoing_a_correction_takes_the_new_version_back(store):
    _story(store)
    ev = f"Evaluation:{F}|{ROAD5}|{CHANGZHOU}|2026-04-01"
    _file(store, ev, "2026-05-02", "YY-3")
    _decide(store, "YY-3", "更正", "2026-06-15", CHANGZHOU, changes={"grade": "B"})
    decision = store.loads()[-1]
    assert decision.kind == "objections" and decision.file == SRC
    store.undo_load(decision.load_id)
    g = recognized_grade(store, F, SUZHOU, "2026-07-01")
    assert g.grade == "C" and str(g.evaluation.under_objection_since) == "2026-05-02"


def test_objections_read_in_parts_at_once_are_those_of_one_read(store, monkeypatch):
    """A ledger reads its records' objections in parts at once (a fleet's records name
    thousands): the same objections of each record, and versions counted, as one read."""
    import queries.versions as versions
    from queries.scoring.ledger import _read_all

    _story(store)
    ev = f"Evaluation:{F}|{ROAD5}|{CHANGZHOU}|2026-04-01"
    _file(store, ev, "2026-05-02", "YY-4")
    _file(store, ENTRY, "2025-07-01", "YY-5")
    _decide(store, "YY-5", "维持", "2025-08-01")
    _file(store, ENTRY, "2025-09-01", "YY-6")
    records = list(store.get_nodes([ev, ENTRY, A, F]).values())
    one = versions.objections_about(store, records)
    assert sorted(one) == sorted([ev, ENTRY]) and len(one[ENTRY]) == 2
    monkeypatch.setattr(versions, "_PART_NAMES", 1)  # a read a name
    assert versions.objections_about(store, records, _read_all, 4) == one
    for day in ("2025-08-15", "2025-09-15", "2026-05-15"):
        assert counted(store, records, day, _read_all, 4) == counted(store, records, day)


def test_the_text_values_of_a_property_are_those_its_nodes_hold(store):
    _story(store)
    _file(store, ENTRY, "2025-07-01", "YY-8")
    _file(store, f"Evaluation:{F}|{ROAD5}|{CHANGZHOU}|2026-04-01", "2026-05-02", "YY-9")
    held = {n.props["record"] for n in store.find_every("Objection")}
    assert len(held) == 2 and store.text_values("Objection", "record") == held
    assert store.text_values("Objection", "no_such_property") == frozenset()
    assert store.text_values("Penalty", "decision_no") == frozenset()  # no penalty


def test_versions_counted_with_the_names_kept_see_objections_written_after(store, monkeypatch):
    """A ledger's versions are counted with ``contested``: once this process keeps the
    names objections give (here at once), only those are sought.  An objection filed, and
    then decided, after they were kept is seen by the next answer, as without them."""
    import queries.versions as versions

    monkeypatch.setattr(versions, "_KEEP_AFTER", 0)
    _story(store)
    records = [store.get_nodes([ENTRY])[ENTRY], store.get_nodes([A])[A]]

    def both(day):
        kept = counted(store, records, day, contested=True)
        assert kept == counted(store, records, day)
        return kept

    assert [n.uid for n in both("2026-03-10")] == [ENTRY, A]
    _names_read(versions, store)
    assert versions._KEPT[store].names == frozenset()  # kept: no objection yet
    _file(store, ENTRY, "2026-03-02", "YY-7")
    assert both("2026-03-10")[0].props["under_objection"] == "Objection:YY-7"
    _decide(store, "YY-7", "撤销", "2026-03-20")
    assert [n.uid for n in both("2026-03-19")] == [ENTRY, A]
    assert [n.uid for n in both("2026-03-20")] == [A]


def _names_read(versions, store):
    """Wait for the thread reading the objection names of ``store``, if one runs."""
    reader = versions._KEPT[store].reader
    if reader is not None:
        reader.join(30)


def test_no_answer_waits_while_the_objection_names_are_read(store, monkeypatch):
    """The answer that reaches the number of names sought after which they are kept
    does not read them itself (0.25 s at scale 1): a thread does, and answers seek
    every name meanwhile, as before; once read, the names are used."""
    import threading

    import queries.versions as versions

    monkeypatch.setattr(versions, "_KEEP_AFTER", 0)
    _story(store)
    _file(store, ENTRY, "2026-03-02", "YY-7")
    records = [store.get_nodes([ENTRY])[ENTRY], store.get_nodes([A])[A]]
    expected = counted(store, records, "2026-03-10")
    read_names, started, opened, finished = store.text_values, *(threading.Event() for _ in "sof")

    def held_back(label, prop):
        started.set()
        opened.wait(30)
        try:
            return read_names(label, prop)
        finally:
            finished.set()

    monkeypatch.setattr(store, "text_values", held_back)
    assert counted(store, records, "2026-03-10", contested=True) == expected
    assert started.wait(30) and not finished.is_set()  # answered while the names are read
    assert versions._KEPT[store].names is None
    assert counted(store, records, "2026-03-10", contested=True) == expected
    opened.set()
    _names_read(versions, store)
    assert versions._KEPT[store].names == {ENTRY.partition(":")[2]}  # (by key)
    assert counted(store, records, "2026-03-10", contested=True) == expected
    assert expected[0].props["under_objection"] == "Objection:YY-7"


def _notified(store, subject, listed_on, notice_until):
    g = GraphBuilder(store)
    uid = g.listed(subject, "严重失信", SUZHOU, listed_on)
    g.nodes["ListEntry"][uid.partition(":")[2]]["notice_until"] = notice_until
    g.commit()
    return uid


def test_a_notified_listing_takes_effect_only_after_its_statement_period(store):
    _story(store)
    entry = _notified(store, B, "2026-02-01", "2026-02-08")
    def listed(day):
        return [e.subject for e in shared_watchlist(store, SUZHOU, day, "严重失信").entries]
    assert B not in listed("2026-02-08") and not discipline(store, B, "2026-02-08").measures
    assert B in listed("2026-02-09") and discipline(store, B, "2026-02-09").measures
    # an objection filed in the period and upheld (维持) holds it back until the decision
    _file(store, entry, "2026-02-05", "YY-4")
    assert B not in listed("2026-02-09")
    _decide(store, "YY-4", "维持", "2026-02-20")
    assert B not in listed("2026-02-19") and B in listed("2026-02-20")
    assert counted(store, [store.get_nodes([entry])[entry]], "2026-02-20")


def test_a_notified_listing_that_meets_a_successful_objection_never_takes_effect(store):
    _story(store)
    entry = _notified(store, B, "2026-02-01", "2026-02-08")
    _file(store, entry, "2026-02-06", "YY-5")
    _decide(store, "YY-5", "撤销", "2026-02-25", reason="当事人陈述申辩理由成立")
    for day in ("2026-02-08", "2026-02-09", "2026-02-24", "2026-02-25", "2026-12-31"):
        assert not discipline(store, B, day).measures, day
        assert B not in [e.subject for e in shared_watchlist(store, SUZHOU, day).entries], day
        batch = discipline_batch(store, SUZHOU, day)
        assert not [m for r in batch.values() for m in r.measures if m.trigger.record == entry], day


def test_the_queue_oldest_deadline_first_and_the_figures_of_13(store):
    _story(store)
    g = GraphBuilder(store)
    g.firm(B[11:])
    for i, day in enumerate(("2026-01-10", "2026-01-05", "2026-01-20")):
        g.penalty(f"苏交罚{i}", B, decision_date=day)
    g.commit()
    _file(store, "Penalty:苏交罚0", "2026-01-12", "Q-1")  # due 2026-01-27
    _file(store, "Penalty:苏交罚1", "2026-01-08", "Q-2")  # due 2026-01-23
    _file(store, "Penalty:苏交罚2", "2026-01-21", "Q-3")  # due 2026-02-05
    _file(store, ENTRY, "2026-01-09", "Q-4")  # a list entry: due 2026-01-19
    page = objection_queue(store, SUZHOU, "2026-01-25", limit=2)
    assert [i.objection.key for i in page.items] == ["Q-4", "Q-2"] and page.total == 4
    assert [i.overdue for i in page.items] == [True, True]
    rest = objection_queue(store, SUZHOU, "2026-01-25", after=page.next_after, limit=2)
    assert [i.objection.key for i in rest.items] == ["Q-1", "Q-3"] and rest.next_after is None
    assert objection_queue(store, WUXI, "2026-01-25").items == ()
    _decide(store, "Q-2", "维持", "2026-01-18")
    _decide(store, "Q-1", "撤销", "2026-01-22", reason="事实不清")
    with pytest.raises(InvalidInput, match="reason"):
        _decide(store, "Q-3", "不予受理", "2026-01-22")
    _decide(store, "Q-3", "不予受理", "2026-01-22", reason="超过申请期限")
    s = objection_stats(store, SUZHOU, "2026-01-01", "2026-01-31")
    assert (s.filed, s.upheld, s.corrected, s.withdrawn, s.not_accepted, s.open) == (4, 1, 0, 1, 1, 1)
    assert (s.succeeded, s.success_rate, s.median_days_to_decide) == (1, 0.5, 10)
    # the withdrawn penalty no longer counts from the decision day
    pen = store.get_nodes(["Penalty:苏交罚0"])["Penalty:苏交罚0"]
    assert counted(store, [pen], "2026-01-21") and not counted(store, [pen], "2026-01-22")


def test_an_agencys_exported_decision_withdraws_the_record_it_names(store, tmp_path):
    """Item 7: objections load from an agency's case-management export; a 撤销 row ends its
    penalty from the day it was closed, the penalty itself untouched."""
    from loaders.load import load_paths
    from tests.support.files import FIRM, FIRMS, write

    write(tmp_path, "enterprises.csv", FIRMS)
    write(tmp_path, "penalties.csv",
          "处罚决定书文号,对象类型,对象代码,违法行为,处罚决定日期,处罚机关,处罚机关区划代码\n"
          f"苏交罚〔2026〕7号,企业,{FIRM},超限运输,2026-01-02,苏州市交通运输局,320500\n")
    write(tmp_path, "objections.csv",
          "异议编号,对象类型,对象代码,异议记录,提出日期,异议理由,处理状态,办结日期,处理机关,处理机关区划代码\n"
          f"SZYY-1,企业,{FIRM},苏交罚〔2026〕7号,2026-01-10,称重设备未检定,撤销,2026-02-01,"
          "苏州市交通运输局,320500\n")
    load_paths(store, [tmp_path], TEST_SECRET)
    pen = store.get_nodes(["Penalty:苏交罚〔2026〕7号"])["Penalty:苏交罚〔2026〕7号"]
    assert [n.props.get("under_objection_since") for n in counted(store, [pen], "2026-01-31")] == ["2026-01-10"]
    assert counted(store, [pen], "2026-02-01") == [] and pen.props.get("status") != "撤销"
