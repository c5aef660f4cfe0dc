"""The scorer's store filter (issue 17): ``gather`` reads through ``Store.records_matching``
only the records an indicator, veto, review or start commitment of the scheme may take, as
what each uid is to the subject (itself, a vehicle, a driver).  On generated data, with
records that match no indicator, values of odd types and every shipped scheme, every ledger
(one subject, a run's batch, a history) equals the one read from every record of every
uid; and the comparison sees a record the filter should not have dropped."""

from __future__ import annotations

import datetime as dt
import random
import sys

import pytest

from graph_model.store.port import Node
from queries.scoring.ledger import ENTRY_PROPS, asked_props, gather, ledger
from queries.scoring.schemes import DERIVED_LABELS, schemes
from tests.support.graph import GraphBuilder

DAYS = (dt.date(2024, 6, 30), dt.date(2024, 12, 31))
#: every label a scheme may read
READ = (*DERIVED_LABELS, "Review")
#: the values each property is drawn from: those indicators take, others, and odd types
#: (a penalty's severity and status only the schema's: a penalty's repair state, which the
#: ledger reads for one an indicator may take, refuses others)
POOLS = {
    "severity": ["一般", "严重", None],
    "status": ["有效", "有效", "撤销"],
    "liability": ["全部责任", "主要责任", "同等责任", "次要责任", "无责任", None, 1],
    "deaths": [0, 0, 1, 2, "1", None, 1.5, True],
    "injuries": [0, 0, 1, 3, "2", None],
    "result": ["缺陷", "滞留", "违法", "合格", None, ""],
    "list_kind": ["重点监管", "重点关注", "红名单", "守信激励", "严重失信", "黑名单", None, 7],
    "kind": ["不在线", "超速", "疲劳驾驶", None, 4],
    "outcome": ["已处置", "已处置", "误报", "转立案", None, "", 0],
    "commitment_kind": ["初始信用等级承诺", "告知承诺制审批", None],
    "commitment_status": ["违诺", "已履约", "履约中", None],
}


class Unfiltered:
    """The store as the ledger read it before the filter: every record of every label a
    scheme may read, of every uid asked."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def records_matching(self, uids, tests, props=None):  # (every property: all a ledger reads)
        labels = [lab for lab in READ if lab != "PointEntry" or "PointEntry" in tests]
        return self._store.records_about(uids, labels)


class Lossy(Unfiltered):
    """A filter that wrongly drops the records ``lost`` picks."""

    def __init__(self, store, lost):
        super().__init__(store)
        self._lost = lost

    def records_matching(self, uids, tests, props=None):
        found = self._store.records_matching(uids, tests, props)
        return {s: [n for n in nodes if not self._lost(n)] for s, nodes in found.items()}


def day_in(rng: random.Random) -> str:
    return (dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(730))).isoformat()


def seed(store) -> list[str]:
    """Three firms, each with vehicles, drivers (one not a driver) and a vessel, and
    random records of every kind about each of them."""
    rng = random.Random(17)
    g = GraphBuilder(store)
    pick = lambda prop: rng.choice(POOLS[prop])  # noqa: E731
    evaluators = list(schemes().get("fj_construction").evaluators.weights)
    subjects, uids = [], []
    for f in range(3):
        firm = g.firm(f"F{f}")
        subjects.append(firm)
        uids.append(firm)
        for v in range(3):
            uids.append(g.vehicle(f"苏E{f}{v:04d}", owner=firm))
        for p in range(3):
            person = g.person(f"P{f}{p}", role="驾驶员" if p else "安全员")
            g.rel("EMPLOYED_BY", person, firm, valid_from="2022-01-01")
            uids.append(person)
        vessel = g.vessel(f"CN{f}", owner=firm)
        subjects.append(vessel)
        uids.append(vessel)
    n = 0
    for uid in uids:
        for _ in range(rng.randrange(8, 20)):
            n += 1
            label = rng.choice(["Penalty", "Accident", "Inspection", "ListEntry", "MonitoringAlarm",
                                "MonitoringAlarm", "Commitment", "Review"])
            when = day_in(rng)
            if label == "Penalty":
                g.penalty(f"罚{n}", uid, when, pick("severity"), pick("status"))
            elif label == "Accident":
                g.accident(f"A{n}", uid, when, pick("liability"), pick("deaths"), pick("injuries"))
            elif label == "Inspection":
                g.inspection(f"I{n}", uid, when, pick("result"))
            elif label == "ListEntry":
                g.listed(uid, pick("list_kind") or "严重失信", listed_on=when,
                         removed_on=day_in(rng) if rng.random() < 0.2 else None)
            elif label == "MonitoringAlarm":
                g.alarm(f"M{n}", uid, f"{when} 08:00:00", pick("kind"), pick("outcome"))
            elif label == "Commitment":
                g.commitment(uid, pick("commitment_kind") or "优质服务承诺", made_on=when,
                             status=pick("commitment_status") or "违诺")
            else:
                g.review(f"R{n}", uid, rng.choice(evaluators), rng.randrange(50, 100), when)
        for s in schemes():
            if rng.random() < 0.5:
                n += 1
                ind = rng.choice(s.indicators)
                g.point_entry(f"E{n}", uid, s.scheme, -5, day_in(rng), behaviour=ind.code)
    g.commit()
    return subjects


def ledgers(store, scheme, subjects, day):
    """Each subject's ledger read alone, in one batch (a run) and over a year (a history)."""
    mine = [u for u in subjects if u.partition(":")[0] in scheme.subjects]
    alone = [ledger(scheme, gather(store, scheme, [u], day), u, day) for u in mine]
    ctx = gather(store, scheme, mine, day, counting_only=True)
    batch = [ledger(scheme, ctx, u, day) for u in mine]
    first = day - dt.timedelta(days=365)
    ctx = gather(store, scheme, mine, day, first=first, counting_only=True)
    history = [ledger(scheme, ctx, u, d) for u in mine for d in (first, day)]
    return alone, batch, history


def test_every_ledger_is_the_one_read_from_every_record(store):
    subjects = seed(store)
    for scheme in schemes():
        for day in DAYS:
            assert ledgers(store, scheme, subjects, day) == \
                ledgers(Unfiltered(store), scheme, subjects, day), (scheme.code, day)


def test_a_ledger_read_a_uid_a_part_at_once_is_the_one_read_in_one_part(store, monkeypatch):
    subjects = seed(store)
    module = sys.modules[gather.__module__]  # (the package's ``ledger`` is the function)

    def read(parts, size):
        monkeypatch.setattr(module, "READ_PARTS", parts)
        monkeypatch.setattr(module, "PART_UIDS", size)
        return {(s.code, d): ledgers(store, s, subjects, d) for s in schemes() for d in DAYS}

    assert read(10 ** 6, 1) == read(1, 10 ** 6)


def test_the_filter_drops_records_and_the_comparison_sees_a_matching_one_lost(store):
    subjects = seed(store)
    sc = schemes().get("sc_portrait")
    firms = [u for u in subjects if u.startswith("Enterprise:")]
    fleet = [u for u, _ in store.records_about(
        [e.dst for e in store.neighbours(firms, rel_types=["OWNS"]).edges
         if e.dst.startswith("Vehicle:")], ["MonitoringAlarm"]).items()]
    tests = sc.record_tests({"vehicles"})
    kept = sum(map(len, store.records_matching(fleet, tests).values()))
    every = sum(map(len, store.records_about(fleet, list(tests)).values()))
    assert 0 < kept < every  # records no indicator takes are left out
    day = DAYS[1]
    for lost in (lambda n: n.label == "MonitoringAlarm" and n.props.get("outcome") == "转立案",
                 lambda n: n.label == "MonitoringAlarm" and n.props.get("outcome") in (None, ""),
                 lambda n: n.label == "Penalty" and n.props.get("severity") == "严重"):
        assert ledgers(Lossy(store, lost), sc, subjects, day) != ledgers(store, sc, subjects, day)


@pytest.mark.parametrize("code", [s.code for s in schemes()])
def test_a_schemes_filter_keeps_every_record_its_indicators_match(code):
    """Without a store: as each relation it reads, each indicator's (and veto's) filter keeps
    every record it matches, drawn from the pools."""
    scheme = schemes().get(code)
    rng = random.Random(3)
    takers = [(i.match, {"self", "vehicles", "drivers"} if i.over == "fleet" else {i.over})
              for i in scheme.indicators] + [(v.match, {"self"}) for v in scheme.vetoes]
    for match, relations in takers:
        if match.record == "PointEntry":
            continue
        for how in relations:
            alts = scheme.record_tests({how}).get(match.record, ())
            for _ in range(300):
                props = {p: rng.choice(v) for p, v in POOLS.items()}
                if match.record == "Commitment":
                    props["kind"], props["status"] = props["commitment_kind"], props["commitment_status"]
                props = {k: v for k, v in props.items() if v is not None}
                if match.matches(props):
                    assert alts is None or any(t.keeps(props) for t in alts), (match, how, props)


class Seen(dict):
    """A point entry's properties that note each one read."""

    read: set = set()

    def get(self, key, default=None):
        type(self).read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        type(self).read.add(key)
        return super().__getitem__(key)


class WholeEntries:
    """The store, its point entries read whole whatever a reader asks for, their
    properties noting what the ledger reads (:class:`Seen`)."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def point_entries_about(self, uids, schemes, **kw):
        kw.pop("props", None)
        return {s: [Node(n.uid, n.label, Seen(n.props)) for n in nodes]
                for s, nodes in self._store.point_entries_about(uids, schemes, **kw).items()}


def test_a_ledger_asks_for_the_entry_properties_it_reads_and_reads_no_other(store):
    """Point entries of behaviours no indicator names (their name is their description)
    and corrected versions (supersedes, objection_no) beside the generated ones: every
    ledger is the one read from whole entries, and reads none of their other properties."""
    subjects = seed(store)
    g = GraphBuilder(store)
    for i, subject in enumerate(subjects):
        for s in schemes():
            old = g.record("PointEntry", f"X{i}{s.code}", subject, scheme=s.scheme, points=-3,
                           behaviour="不在指标中", description=f"其他行为{i}", occurred_on="2024-03-01",
                           agency_region="320500", agency="苏州局")
            g.record("PointEntry", f"X{i}{s.code}#更正:Y{i}", subject, scheme=s.scheme, points=-1,
                     behaviour="不在指标中", description=f"更正后{i}", occurred_on="2024-03-01",
                     supersedes=old, objection_no=f"Y{i}", agency_region="320500", agency="苏州局")
        g.record("Objection", f"Y{i}", subject, record=old, filed_on="2024-04-01", status="更正",
                 closed_on="2024-05-01", agency_region="320500")
    g.commit()
    Seen.read = set()
    for scheme in schemes():
        for day in DAYS:
            assert ledgers(store, scheme, subjects, day) == \
                ledgers(WholeEntries(store), scheme, subjects, day), (scheme.code, day)
    assert {"description", "supersedes", "objection_no", "points"} <= Seen.read <= set(ENTRY_PROPS)


class AlarmSeen(Seen):
    """An alarm's properties that note each one read."""

    read: set = set()


class WholeAlarms:
    """The store, its monitoring alarms read whole whatever a reader asks for, their
    properties noting what the ledger reads (:class:`AlarmSeen`)."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def records_matching(self, uids, tests, props=None):
        return {s: [Node(n.uid, n.label, AlarmSeen(n.props)) if n.label == "MonitoringAlarm" else n
                    for n in nodes]
                for s, nodes in self._store.records_matching(uids, tests).items()}


def test_a_ledger_asks_for_the_alarm_properties_it_reads_and_reads_no_other(store):
    """Every ledger equals the one read from whole alarms, and reads of an alarm only
    what asked_props asks the store for (its date and what the matches test)."""
    subjects = seed(store)
    AlarmSeen.read = set()
    asked = set()
    for scheme in schemes():
        asked |= set(asked_props(scheme)["MonitoringAlarm"])
        for day in DAYS:
            assert ledgers(store, scheme, subjects, day) == \
                ledgers(WholeAlarms(store), scheme, subjects, day), (scheme.code, day)
    assert {"occurred_at", "outcome", "kind"} <= AlarmSeen.read <= asked
    AlarmSeen.read = set()
