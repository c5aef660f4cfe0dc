"""Properties of the scoring engine, for any ledger (hypothesis): a positive entry never
lowers a score, an expired entry never counts, and a scheme's bands hold every score
exactly once.  The ledger is a pure function of the records, so these run without a store."""

from __future__ import annotations

import datetime as dt
import math
import sys

import pytest
from hypothesis import given, settings, strategies as st

from graph_model.store.port import Node
from queries.rules.rulefile import DataFileError
from queries.scoring.ledger import Context, ledger
from queries.scoring.schemes import RECORD_DATES, Match, parse_scheme, schemes

SCHEMES = sorted(s.code for s in schemes())
DAY0 = dt.date(2024, 1, 1)
SUBJECT = {"Enterprise": "Enterprise:F", "Vessel": "Vessel:CN20230000001"}


def _entry_codes(code: str) -> list[str]:
    s = schemes().get(code)
    return [i.code for i in s.indicators if i.match.record == "PointEntry" and i.over == "self"] or ["X"]


entry = st.tuples(st.integers(-60, 60), st.integers(0, 900), st.integers(1, 800),
                  st.booleans(), st.integers(0, 50))


def _nodes(code: str, subject: str, rows) -> list[Node]:
    s = schemes().get(code)
    codes = _entry_codes(code)
    out = []
    for i, (points, start, length, bounded, which) in enumerate(rows):
        since = DAY0 + dt.timedelta(days=start)
        props = {"scheme": s.scheme, "points": points, "behaviour": codes[which % len(codes)],
                 "occurred_on": since.isoformat(), "subject_uid": subject}
        if bounded:
            props["valid_to"] = (since + dt.timedelta(days=length)).isoformat()
        out.append(Node(f"PointEntry:E{i}", "PointEntry", props))
    return out


def _reviews(subject: str, day: dt.date) -> list[Node]:
    """The evaluators' reviews of a scheme that has them, made on the day asked."""
    return [Node(f"Review:R{i}", "Review", {
        "evaluator_kind": kind, "evaluator_id": kind, "score": 85 + i, "max_score": 100,
        "reviewed_on": day.isoformat(), "subject_uid": subject})
        for i, kind in enumerate(("建设单位", "监理单位", "质监机构", "主管部门"))]


def _score(code: str, nodes: list[Node], day: dt.date):
    s = schemes().get(code)
    subject = SUBJECT[s.subjects[0]]
    return ledger(s, Context({subject: nodes + _reviews(subject, day)}), subject, day)


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(SCHEMES), rows=st.lists(entry, max_size=12), extra=entry,
       offset=st.integers(0, 1200))
def test_adding_a_positive_entry_never_lowers_a_score(code, rows, extra, offset):
    s = schemes().get(code)
    subject = SUBJECT[s.subjects[0]]
    day = DAY0 + dt.timedelta(days=offset)
    before = _score(code, _nodes(code, subject, rows), day)
    points, *rest = extra
    bonus = _nodes(code, subject, rows + [(abs(points) + 1, *rest)])
    after = _score(code, bonus, day)
    assert after.score >= before.score


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(SCHEMES), rows=st.lists(entry, min_size=1, max_size=12),
       offset=st.integers(0, 1500))
def test_an_expired_entry_never_counts(code, rows, offset):
    s = schemes().get(code)
    subject = SUBJECT[s.subjects[0]]
    day = DAY0 + dt.timedelta(days=offset)
    r = _score(code, _nodes(code, subject, rows), day)
    for e in r.entries:
        assert e.since <= day and (e.until is None or day < e.until)
    for e in r.expired:
        assert e.until is not None and e.until <= day
    counted = {e.record for e in r.entries}
    assert counted.isdisjoint(e.record for e in r.expired)
    if not s.is_portrait:  # the score is the base and the points that count, nothing else
        assert math.isclose(r.score, r.base + sum(e.points for e in r.entries), abs_tol=0.02)


@settings(max_examples=200, deadline=None)
@given(code=st.sampled_from(SCHEMES),
       score=st.one_of(st.floats(allow_nan=False), st.integers(-10**6, 10**6)))
def test_a_schemes_bands_hold_every_score_exactly_once(code, score):
    s = schemes().get(code)
    assert sum(b.contains(score) for b in s.bands) == 1
    assert s.grade_for(score) in [b.grade for b in s.bands]


MINIMAL = {
    "code": "t", "title": "测试", "scheme": "测试", "version": "1", "effective_from": "2024-01-01",
    "basis": {"local_default": True, "note": "x"}, "subjects": ["Enterprise"],
    "issuer": {"agency": "测试局", "region": "320500"},
    "evaluation": {"valid_months": 12, "basis": {"local_default": True, "note": "x"}},
    "start": {"points": 0, "basis": {"local_default": True, "note": "x"}},
    "bands_basis": {"local_default": True, "note": "x"},
}


@settings(max_examples=200, deadline=None)
@given(mins=st.lists(st.integers(-1000, 1000), min_size=1, max_size=6),
       score=st.floats(allow_nan=False))
def test_any_bands_a_scheme_accepts_hold_every_score_exactly_once(mins, score):
    bands = [{"grade": f"G{i}", "min_score": m} for i, m in enumerate(mins)] + [{"grade": "last"}]
    doc = {**MINIMAL, "bands": bands}
    try:
        s = parse_scheme(doc, "t.yaml", scale_check=False)
    except DataFileError as exc:  # only bands that are not strictly falling are refused
        assert any(a <= b for a, b in zip(mins, mins[1:])) and "min_score" in str(exc)
        return
    assert sum(b.contains(score) for b in s.bands) == 1


def test_a_last_band_with_a_minimum_is_refused():
    doc = {**MINIMAL, "bands": [{"grade": "A", "min_score": 10}, {"grade": "B", "min_score": 0}]}
    with pytest.raises(DataFileError, match="t.yaml: bands\\[1\\] \\(B\\): the last band holds every score"):
        parse_scheme(doc, "t.yaml", scale_check=False)


# An entry's span by its dates alone (ledger._span, cached) is a fast path beside
# _date/_end: for every label it serves it must give what they give, errors included.
_DATES = st.one_of(st.none(), st.just(""), st.sampled_from(["2024-02-30", "soon", "2024-1-5"]),
                   st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat),
                   st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)).map(
                       lambda d: d.isoformat() + "T08:30:00"),
                   st.integers(0, 20240101))
_LEDGER = sys.modules[Context.__module__]  # (queries.scoring's ledger() hides the module)
_FAST_LABELS = sorted(set(RECORD_DATES) - set(_LEDGER._OWN_ENDS))


@settings(max_examples=300, deadline=None)
@given(label=st.sampled_from(_FAST_LABELS), when=_DATES, end=_DATES,
       months=st.sampled_from([None, 0, 6, 12, 36]), no_indicator=st.booleans(),
       day=st.dates(dt.date(2023, 6, 1), dt.date(2026, 6, 1)))
def test_an_entry_dated_by_its_dates_alone_is_what_the_general_path_makes(
        label, when, end, months, no_indicator, day):
    from dataclasses import replace

    lg = _LEDGER
    base = next(i for s in schemes() for i in s.indicators)
    ind = None if no_indicator else replace(base, validity_months=months)
    props = {RECORD_DATES[label]: when, "valid_to": end, "description": "x"}
    node = Node(f"{label}:1", label, {k: v for k, v in props.items() if v is not None})

    def made(own_ends):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(lg, "_OWN_ENDS", own_ends)
            try:
                return lg._entry(ind, node, "Vessel:V", day, Context({}), 10.0, 1)
            except Exception as exc:  # the same refusal, by type and message
                return type(exc), str(exc)

    assert made(lg._OWN_ENDS) == made((*lg._OWN_ENDS, label))


# A ledger decides an indicator's match once per combination of the values it tests
# (ledger._Taking): it must take what matching each record takes, whatever came before
# (1, 1.0, True and "1" are equal or alike as keys, but not to matches' str()).
_VALUES = st.one_of(st.none(), st.sampled_from(["", "1", "1.0", "True", "严重", "一般", "不在线",
                                                "转立案", "处理", "x 严重 y"]),
                    st.sampled_from([1, 1.0, True, 0, 2, 0.5, -1]), st.lists(st.just("严重"), max_size=2))
_MATCHES = st.builds(
    lambda where, contains, at_least, absent: Match("Penalty", where, contains, at_least, absent),
    st.dictionaries(st.sampled_from(["severity", "kind"]),
                    st.lists(st.sampled_from(["1", "1.0", "True", "严重", "一般"]), min_size=1,
                             max_size=2).map(tuple), max_size=2),
    st.dictionaries(st.sampled_from(["severity", "outcome"]),
                    st.lists(st.sampled_from(["严重", "1", "处理"]), min_size=1, max_size=2).map(tuple),
                    max_size=1),
    st.dictionaries(st.sampled_from(["deaths", "severity"]), st.sampled_from([0.5, 1, 2]), max_size=1),
    st.lists(st.sampled_from(["outcome", "kind"]), max_size=1).map(tuple))


@settings(max_examples=300, deadline=None)
@given(matches=st.lists(_MATCHES, min_size=0, max_size=4),
       records=st.lists(st.dictionaries(st.sampled_from(["severity", "kind", "outcome", "deaths"]),
                                        _VALUES, max_size=4), min_size=1, max_size=12))
def test_an_indicators_match_decided_once_per_values_is_what_matching_each_record_takes(
        matches, records):
    from dataclasses import replace

    base = next(i for s in schemes() for i in s.indicators)
    inds = [replace(base, code=f"I{n}", match=m) for n, m in enumerate(matches)]
    taking = _LEDGER._Taking(inds)
    for props in records:
        # each record, then its twins: its numbers as their equal others (1, 1.0, True)
        for twin in (props, *({k: t(v) if type(v) in (int, float, bool) else v
                               for k, v in props.items()} for t in (int, float, bool))):
            assert list(taking(twin)) == [i for i in inds if i.match.matches(twin)]
