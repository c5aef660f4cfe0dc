"""The credit report of one subject (issue 18; #19 信用长江's reports with "每一条扣分记录",
#15's drill-down, #4's grade with its indicators, #2's repair route): every section taken
from the answers the rules already give, none of them computed again here.

* identity — the subject as the viewer may see it (:func:`queries.access.visibility.shown_props`:
  a person's personal fields masked unless the viewer holds them, never to a viewer role);
* grades — :func:`queries.rules.recognition.recognized_grade` in the region, with why each
  evaluation counted or not (the agreement that carried it);
* lists — the subject's list entries in force and past, each with why the region sees it
  (:func:`queries.rules.watchlist.list_basis`) or that it does not;
* penalties — with their publication and repair state and dates
  (:func:`queries.rules.repair.penalty_states`);
* commitments (:mod:`queries.rules.commitments`), events (:func:`queries.rules.events.events_of`),
  objections (the loaded Objection records as they stand);
* discipline — the measures in force in the region with their paths and strength, and the
  investigation leads (:func:`queries.rules.discipline.discipline`);
* related — the nearest related subjects (:func:`queries.tracing.related.related`, capped),
  each with what this subject's records carry to it (:func:`queries.rules.discipline.carried`:
  the measures and leads whose trigger is this subject's, as the related subject's own
  ``discipline`` reports them): the path through a legal representative is here;
* scores — the score of each scheme that applies, entry by entry (:func:`queries.scoring.score`).

Subjects the viewer may not see are left out of the related parties and read
:data:`HIDDEN` on paths.

A report does not depend on the language it is asked in: its sentences (the grade's
explanation, reasons, the bases' texts) are always those of :data:`LANGUAGE`, the
regulators' own, which the header records, so the same question gives the same number
and byte-identical JSON over ``Accept-Language: en`` or from ``LANG=C``, and a printed
copy verifies in either language; the HTML and PDF word their labels in the reader's
language around that same data (:mod:`api.report_render`).

The report is JSON-ready data; :func:`credit_report` adds its
number, the store version, the canonical JSON and its SHA-256
(:mod:`queries.reports.canonical`).

Examples
--------
On the demo data, 苏州恒通 seen by Wuxi's regulator: its grade D counts in Wuxi by the
苏锡常通 agreement::

    >>> from queries.reports import Viewer, credit_report
    >>> r = credit_report(store, "Enterprise:91320506MA1MKT3P0P", "320200", "2026-08-01",
    ...                   Viewer("320200", "regulator"))
    >>> g = r.doc["grades"]["recognised"]
    >>> g["grade"], g["counted_by"]
    ('D', '“苏锡常通”信用交通一体化联动发展框架协议')
    >>> r.sha256 == credit_report(store, "Enterprise:91320506MA1MKT3P0P", "320200",
    ...                           "2026-08-01", Viewer("320200", "regulator")).sha256
    True
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from graph_model import regions as _regions
from graph_model.i18n import DEFAULT as _DEFAULT_LANGUAGE, message, use_language
from graph_model.store.port import Node, Store
from queries.access.visibility import (
    SUBJECT_LABELS, Vis, check_subject as visibility_of, in_force, key_regions,
    personal_data_clear, shown_props,
)
from queries.dates import InvalidInput, parse_as_of
from queries.reports.canonical import dumps_plain, plain, sha256_hex
from queries.rules.commitments import commitment_ref, commitment_rules, state_of as commitment_state
from queries.rules.discipline import DisciplineResult, carried, discipline
from queries.rules.events import event_rules, events_of
from queries.rules.jurisdiction import (
    agreements_covering, check_region, check_subject, jurisdictions, record_date,
    record_optional_date, within,
)
from queries.rules.recognition import recognized_grade
from queries.rules.repair import penalty_states
from queries.rules.scales import scales
from queries.rules.watchlist import list_basis
from queries.scoring import score, schemes
from queries.tracing.related import related

__all__ = ["Viewer", "CreditReport", "credit_report", "report_body", "report_number",
           "HIDDEN", "RELATED_CAP", "FORMAT", "LANGUAGE"]

#: What a subject id the viewer may not see reads as, on a path.
HIDDEN = "(outside your scope)"
#: Related subjects a report shows at most (the nearest first) and their depth.
RELATED_CAP = 12
RELATED_DEPTH = 2
#: The report format: changes when a section changes shape (a report of another format
#: never verifies as current).
FORMAT = "creditkb-report/1"
ROLES = ("regulator", "investigator", "viewer")
#: The language of a report's sentences, whatever language it is asked or shown in.
LANGUAGE = _DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Viewer:
    """Who the report is for: the key's region, role and agency (the agency's national or
    basin jurisdiction widens what it sees, rule 19)."""

    region: str
    role: str
    agency: str | None = None

    def __post_init__(self):
        if self.role not in ROLES:
            raise InvalidInput(message("report.error.role", roles=", ".join(ROLES),
                                       role=repr(self.role)))
        check_region(self.region)


@dataclass(frozen=True)
class CreditReport:
    """A report: ``doc`` (its header and sections), ``json`` (canonical), ``sha256`` of
    ``json``, ``content_sha256`` of the sections alone (what "still current" compares),
    and ``issued`` when a CreditReport record with its number is already stored."""

    number: str
    doc: Mapping[str, Any]
    json: str
    sha256: str
    content_sha256: str
    issued: bool


# -- the sections ------------------------------------------------------------------------

class _Scope:
    """The viewer's visibility of subjects on the report's day, read once each."""

    def __init__(self, store: Store, viewer: Viewer, day: dt.date):
        self.store, self.viewer, self.day = store, viewer, day
        self.jur = jurisdictions(store)
        self.regions = key_regions(viewer.region, viewer.agency, self.jur, day)
        self.agreements = in_force(agreements_covering(store, list(self.regions)), day)
        self._vis: dict[str, Vis] = {}
        self._nodes: dict[str, Node | None] = {}

    def vis(self, uid: str) -> Vis:
        if uid not in self._vis:
            if uid.partition(":")[0] not in SUBJECT_LABELS:
                self._vis[uid] = Vis.NONE
            else:
                c = visibility_of(self.store, uid, self.regions, self.day, scales(),
                                  self.agreements, self.jur)
                self._vis[uid], self._nodes[uid] = c.vis, c.node
        return self._vis[uid]

    def node(self, uid: str) -> Node | None:
        self.vis(uid)
        return self._nodes.get(uid)

    def shown(self, uid: str) -> str:
        """``uid`` when the viewer may see it (records and agencies are shown as named by
        their subject), else :data:`HIDDEN`."""
        label = uid.partition(":")[0]
        if label in SUBJECT_LABELS:
            return uid if self.vis(uid) is not Vis.NONE else HIDDEN
        return uid

    def identity(self, uid: str) -> dict:
        node, vis = self.node(uid), self.vis(uid)
        clear = personal_data_clear(vis, self.viewer.role)
        props = dict(shown_props(node, clear))
        code = props.get("region_code")
        return {"id": uid, "kind": node.label, "key": node.key, "name": _name(node, props),
                "region_code": code, "region_name": _regions.name_of(code) if code else None,
                "personal_data_masked": node.label == "Person" and not clear,
                "properties": props}


def _name(node: Node, props: Mapping) -> str:
    """What a subject is called: an enterprise's or vessel's name, a person's (as shown),
    a vehicle's plate."""
    if node.label == "Vehicle":
        return str(props.get("plate") or node.key)
    return str(props.get("name") or node.key)


def _basis(b) -> dict | None:
    if b is None:
        return None
    return {"kind": b.kind, "case": b.case, "quote": b.quote, "national": b.national,
            "note": b.note, "text": b.text()}


def _agreement(a) -> dict | None:
    if a is None:
        return None
    return {"id": a.uid, "name": a.name, "effective_from": a.effective_from,
            "effective_to": a.effective_to, "members": list(a.members)}


def _grades(store: Store, uid: str, region: str, day: dt.date) -> dict:
    g = recognized_grade(store, uid, region, day)

    def candidate(c) -> dict:
        e = c.evaluation
        return {"evaluation_id": e.uid, "grade": e.grade, "scheme": e.scheme,
                "score": e.score, "period": e.period, "valid_from": e.valid_from,
                "valid_to": e.valid_to, "issuing_agency": e.agency,
                "issuing_region": e.agency_region, "basis": c.basis.upper()
                if c.basis != "own jurisdiction" else "OWN",
                "counted_by": c.counted_by, "agreement": _agreement(c.agreement)}

    chosen = candidate(g.chosen) if g.chosen else None
    if chosen is not None and g.veto is not None:
        chosen["veto"] = {"grade": g.veto.grade, "instead_of": g.veto.instead_of,
                          "accident_id": g.veto.accident, "occurred_on": g.veto.event.day,
                          "what": g.veto.event.what, "rule": g.veto.rule,
                          "basis": _basis(g.veto.basis)}
    return {"found": g.found, "recognised": chosen, "explanation": g.explain(),
            "candidates": [candidate(c) for c in g.candidates],
            "excluded": [{"evaluation_id": x.evaluation, "reason": x.reason}
                         for x in g.excluded]}


def _lists(entries: Sequence[Node], region: str, day: dt.date, scope: _Scope) -> list[dict]:
    agreements = in_force(agreements_covering(scope.store, [region]), day)
    out = []
    for n in entries:
        p = n.props
        listed, removed = record_date(n, "listed_on"), record_optional_date(n, "removed_on")
        if listed > day:
            continue  # not yet listed on the report's day
        seen = list_basis(p.get("agency_region"), p.get("list_kind"), region, agreements, day,
                          agency=p.get("agency"), jur=scope.jur)
        out.append({"id": n.uid, "list_kind": p.get("list_kind"), "listed_on": listed,
                    "removed_on": removed if removed and removed <= day else None,
                    "in_force": removed is None or removed > day, "reason": p.get("reason"),
                    "agency": p.get("agency"), "agency_region": p.get("agency_region"),
                    "counted_in_region": seen is not None,
                    "counted_by": seen.counted_by if seen else None,
                    "basis": seen.basis if seen else None})
    return sorted(out, key=lambda e: (not e["in_force"], str(e["listed_on"]), e["id"]))


def _penalties(store: Store, pens: Sequence[Node], day: dt.date) -> list[dict]:
    states = penalty_states(store, pens, day)
    out = []
    for n in pens:
        s = states[n.uid]
        if s.state == "not yet decided":
            continue
        rep = s.repair
        out.append({
            "id": n.uid, "decision_no": s.penalty.decision_no, "violation": s.penalty.violation,
            "penalty_type": n.props.get("penalty_type"), "fine": n.props.get("fine"),
            "severity": s.penalty.severity, "status": s.penalty.status,
            "decision_date": s.penalty.decision_date, "agency": s.penalty.agency,
            "agency_region": s.penalty.agency_region, "state": s.state, "counts": s.counts,
            "published_from": s.penalty.decision_date, "minimum_end": s.minimum_end,
            "maximum_end": s.maximum_end,
            "effect_until": s.effect_until if s.effect_until and s.effect_until <= day else None,
            "repair_mode": s.mode, "repair_mode_reason": s.mode_reason,
            "repair": None if rep is None else {
                "id": rep.uid, "repaired_on": rep.repaired_on, "mode": rep.mode,
                "agency": rep.agency, "agency_region": rep.agency_region,
                "evidence": rep.evidence},
            "refused_repairs": [{"id": r.repair.uid, "repaired_on": r.repair.repaired_on,
                                 "reasons": list(r.reasons)} for r in s.refused
                                if r.repair.repaired_on <= day]})
    return sorted(out, key=lambda p: (str(p["decision_date"]), p["id"]), reverse=True)


def _commitments(nodes: Sequence[Node], day: dt.date) -> list[dict]:
    rules = commitment_rules()
    out = []
    for n in nodes:
        c = commitment_ref(n)
        if c.made_on > day:
            continue
        s = commitment_state(c, day, rules)
        out.append({"id": n.uid, "kind": c.kind, "made_on": c.made_on, "due_on": c.due_on,
                    "status": c.status, "state": s.state, "overdue_from": s.overdue_from,
                    "days_overdue": s.days_overdue, "agency": n.props.get("agency"),
                    "agency_region": c.agency_region,
                    "effects": [{"code": e.code, "name": e.name, "basis": _basis(e.basis)}
                                for e in s.effects]})
    return sorted(out, key=lambda c: (str(c["made_on"]), c["id"]), reverse=True)


def _events(records: Sequence[Node], day: dt.date) -> list[dict]:
    rules = event_rules()
    found = events_of(records, list(rules.kinds), rules)
    return [{"day": e.day, "kind": e.kind, "name": rules.kinds[e.kind].name, "what": e.what,
             "record_id": e.record, "agency": e.agency, "agency_region": e.agency_region}
            for e in reversed(found) if e.day <= day]


def _objections(nodes: Sequence[Node], day: dt.date) -> list[dict]:
    out = []
    for n in nodes:
        filed = record_date(n, "filed_on")
        if filed > day:
            continue
        closed = record_optional_date(n, "closed_on")
        p = n.props
        out.append({"id": n.uid, "objection_no": p.get("objection_no") or n.key,
                    "record": p.get("record"), "filed_on": filed, "grounds": p.get("grounds"),
                    "status": p.get("status"),
                    "closed_on": closed if closed and closed <= day else None,
                    "agency": p.get("agency"), "agency_region": p.get("agency_region")})
    return sorted(out, key=lambda o: (str(o["filed_on"]), o["id"]), reverse=True)


def _trigger(t, scope: _Scope) -> dict:
    hidden = scope.shown(t.subject) == HIDDEN
    return {"kind": t.kind, "name": t.name, "record_id": HIDDEN if hidden else t.record,
            "subject_id": scope.shown(t.subject), "region": t.region, "agency": t.agency,
            "since": t.since, "until": t.until, "agreements": list(t.agreements),
            "decision_no": None if hidden else t.decision_no, "list_kind": t.list_kind,
            "scheme": t.scheme, "grade": t.grade}


def _path(item, scope: _Scope) -> dict:
    secret = {item.trigger.record} if scope.shown(item.trigger.subject) == HIDDEN else set()

    def show(uid: str) -> str:
        return HIDDEN if uid in secret else scope.shown(uid)

    return {"path": [{"from": show(h.src), "type": h.type, "to": show(h.dst)}
                     for h in item.path],
            "nodes": [show(u) for u in item.nodes]}


def _discipline(result, scope: _Scope) -> dict:
    measures = [{"code": m.measure.code, "name": m.measure.name, "strength": m.strength,
                 "measure_basis": _basis(m.measure.basis), "basis": _basis(m.basis),
                 "figures": [{"name": k, "value": v} for k, v in m.figures],
                 "rule": m.rule, "rule_name": m.rule_name, "trigger": _trigger(m.trigger, scope),
                 **_path(m, scope)} for m in result.measures]
    leads = [{"rule": x.rule, "rule_name": x.rule_name, "basis": _basis(x.basis),
              "trigger": _trigger(x.trigger, scope), **_path(x, scope)} for x in result.leads]
    return {"measures": measures, "leads": leads}


def _related(store: Store, uid: str, region: str, day: dt.date, scope: _Scope) -> dict:
    r = related(store, uid, RELATED_DEPTH, as_of=day, offset=0, limit=RELATED_CAP)
    reached = carried(store, uid, day, region)
    nothing = DisciplineResult(uid, day, region, ())
    shown, hidden = [], 0
    for it in r.items:
        chain = [it.uid] + [s for st in it.path for s in (st.frm, st.to)]
        if any(scope.vis(u) is Vis.NONE or scope.node(u) is None for u in chain):
            hidden += 1
            continue
        mine = reached.get(it.uid, nothing)
        who = scope.identity(it.uid)
        shown.append({"subject": {k: who[k] for k in ("id", "kind", "key", "name",
                                                       "region_code", "personal_data_masked")},
                      "distance": it.distance,
                      "path": [{"from": st.frm, "type": st.rel_type, "to": st.to,
                                "valid_from": st.valid_from, "valid_to": st.valid_to}
                               for st in it.path],
                      "grade": it.status.grade, "scheme": it.status.scheme,
                      "lists": list(it.status.lists),
                      "from_this_subject": _discipline(mine, scope)})
    return {"shown": shown, "hidden": hidden, "total": r.total, "cap": RELATED_CAP,
            "more": r.total > len(r.items)}


def _applies(sch, node: Node, records: Sequence[Node]) -> bool:
    """A scoring scheme applies to a subject of the kind it scores that is registered where
    its issuer rules, or that has point entries of the scheme."""
    if node.label not in sch.subjects:
        return False
    code = str(node.props.get("region_code") or "")
    return within(code, sch.issuer_region) or any(
        r.label == "PointEntry" and sch.scores_entry(r.props) for r in records)


def _scores(store: Store, node: Node, records: Sequence[Node], day: dt.date) -> list[dict]:
    out = []
    for sch in sorted(schemes(), key=lambda s: s.code):
        if not _applies(sch, node, records):
            continue
        try:
            s = score(store, node.uid, sch.code, day)
        except InvalidInput:  # not in force yet on the day, or the scheme's own refusal
            continue

        def entry(e) -> dict:
            return {"record_id": e.record, "label": e.label, "about": e.about,
                    "indicator": e.indicator, "name": e.name, "category": e.category,
                    "points": e.points, "since": e.since, "until": e.until,
                    "counts": e.counts, "reason": e.reason}

        out.append({"scheme": s.scheme, "title": sch.title, "version": s.version,
                    "scale": s.scale, "score": s.score, "grade": s.grade,
                    "band_grade": s.band_grade, "base": s.base, "base_reason": s.base_reason,
                    "entries": [entry(e) for e in s.entries],
                    "expired": [entry(e) for e in s.expired],
                    "rules": [{"rule": g.rule, "grade": g.grade, "record_id": g.record}
                              for g in s.rules]})
    return out


def report_body(store: Store, subject: str, region: str, as_of, viewer: Viewer) -> dict:
    """The sections of the report of ``subject`` for the regulator of ``region`` on
    ``as_of``, as ``viewer`` may see them (JSON-ready, not yet canonical), worded in
    :data:`LANGUAGE` whatever the current language (an error in bad input is in the
    current language)."""
    day = parse_as_of(as_of)
    region = check_region(region)
    node = check_subject(store, subject)
    scope = _Scope(store, viewer, day)
    if scope.vis(node.uid) is Vis.NONE:
        raise InvalidInput(message("error.unknown_subjects", subjects=node.uid))  # as if not there
    records = store.records_about([node.uid]).get(node.uid, [])
    by_label: dict[str, list[Node]] = {}
    for r in records:
        by_label.setdefault(r.label, []).append(r)
    with use_language(LANGUAGE):
        return _sections(store, node, region, day, scope, records, by_label)


def _sections(store: Store, node: Node, region: str, day: dt.date, scope: _Scope,
              records: Sequence[Node], by_label: Mapping[str, list[Node]]) -> dict:
    return {
        "subject": scope.identity(node.uid),
        "grades": _grades(store, node.uid, region, day),
        "lists": _lists(by_label.get("ListEntry", []), region, day, scope),
        "penalties": _penalties(store, by_label.get("Penalty", []), day),
        "commitments": _commitments(by_label.get("Commitment", []), day),
        "events": _events(records, day),
        "discipline": _discipline(discipline(store, node.uid, day, region), scope),
        "objections": _objections(by_label.get("Objection", []), day),
        "related": _related(store, node.uid, region, day, scope),
        "scores": _scores(store, node, records, day),
    }


def report_number(subject: str, region: str, as_of: dt.date, viewer: Viewer,
                  content_sha256: str) -> str:
    """The report's number: the same for the same question answered the same way (so a
    report asked twice is issued once), another when anything in it differs.

    >>> report_number("Enterprise:X", "320500", dt.date(2026, 8, 1),
    ...               Viewer("320500", "viewer"), "0" * 64)
    'CR-20260801-...'
    """
    key = "|".join([FORMAT, subject, region, as_of.isoformat(), viewer.region, viewer.role,
                    viewer.agency or "", content_sha256])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16].upper()
    return f"CR-{as_of:%Y%m%d}-{digest}"


def credit_report(store: Store, subject: str, region: str, as_of, viewer: Viewer) -> CreditReport:
    """The credit report of ``subject`` for the regulator of ``region`` on ``as_of``, as
    ``viewer`` may see it, with its number, store version, canonical JSON and SHA-256.

    The store version is the store's now, or, when a report of this number was issued
    before (a ``CreditReport`` record), the version it was issued at: the same question
    with the same answer gives byte-identical JSON.

    Raises
    ------
    InvalidInput
        For a malformed or unknown subject (one the viewer may not see reads the same), a
        bad region or date.
    """
    day = parse_as_of(as_of)
    region = check_region(region)
    body = plain(report_body(store, subject, region, day, viewer))
    content = sha256_hex(dumps_plain(body))
    number = report_number(body["subject"]["id"], region, day, viewer, content)
    issued = store.get_nodes([f"CreditReport:{number}"]).get(f"CreditReport:{number}")
    version = issued.props.get("store_version") if issued else str(store.version())
    doc = {"report": plain({"format": FORMAT, "number": number, "store_version": version,
                            "as_of": day, "region": region, "language": LANGUAGE,
                            "region_name": _regions.name_of(region),
                            "viewer": {"region": viewer.region, "role": viewer.role,
                                       "agency": viewer.agency},
                            "content_sha256": content}),
           **body}
    text = dumps_plain(doc)
    return CreditReport(number, doc, text, sha256_hex(text), content, issued is not None)
