"""The one graph builder of the tests: subjects, records, agreements and relationships
collected in memory, then written to a store in one transaction (``commit``).

Records default to an agency of Suzhou; a firm is registered in Suzhou unless a region is
given (second argument), a vessel in Nantong.  Every record is ``ABOUT`` its subject; a
penalty carries its subject's region (``subject_region``), as the loader writes it.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from graph_model.schema import schema

#: The key property of each label (graph_model/schema.yaml), in schema order.
KEYS = {name: label.key for name, label in schema().labels.items()}
ROAD5 = "道路运输经营者信用评价"
YANGTZE = "长江航运信用评价"
SUZHOU, WUXI, CHANGZHOU, NANTONG, HANGZHOU = "320500", "320200", "320400", "320600", "330100"
WUZHONG, KUNSHAN, XINWU = "320506", "320583", "320214"  # counties of Suzhou, Suzhou, Wuxi


class GraphBuilder:
    """Collects nodes and relationships, then writes them in one transaction."""

    def __init__(self, store):
        self.store = store
        self.nodes: dict[str, dict[str, dict]] = defaultdict(dict)
        self.edges: dict[str, list[dict]] = defaultdict(list)

    def node(self, label: str, key: str, **props) -> str:
        self.nodes[label][key] = {KEYS[label]: key, **{k: v for k, v in props.items() if v is not None}}
        return f"{label}:{key}"

    def rel(self, rel_type: str, src: str, dst: str, **props) -> None:
        """A relationship; ``valid_from``/``valid_to`` and other properties as keywords."""
        self.edges[rel_type].append({"src": src, "dst": dst, **props})

    # -- subjects ------------------------------------------------------------------------

    def firm(self, key: str, region: str = SUZHOU, **props) -> str:
        return self.node("Enterprise", key, name=props.pop("name", None) or key,
                         region_code=region, **props)

    def person(self, key: str, region: str | None = None, **props) -> str:
        return self.node("Person", key, name=props.pop("name", None) or key, region_code=region,
                         **props)

    def vehicle(self, plate: str, region: str = SUZHOU, owner: str | None = None, **props) -> str:
        uid = self.node("Vehicle", plate, region_code=region, **props)
        if owner:
            self.rel("OWNS", owner, uid)
        return uid

    def vessel(self, vid: str, region: str = NANTONG, owner: str | None = None, **props) -> str:
        uid = self.node("Vessel", vid, name=props.pop("name", None) or vid, region_code=region,
                        **props)
        if owner:
            self.rel("OWNS", owner, uid)
        return uid

    # -- context -------------------------------------------------------------------------

    def agreement(self, name: str, members, effective_from: str = "2023-03-01",
                  effective_to: str | None = None, schemes=(), list_kinds=()) -> str:
        uid = self.node("Agreement", name, name=name, effective_from=effective_from,
                        effective_to=effective_to, schemes=list(schemes), list_kinds=list(list_kinds))
        for code in members:
            self.node("Region", code, name=code, level="city")
            self.rel("MEMBER_OF", f"Region:{code}", uid)
        return uid

    # -- records -------------------------------------------------------------------------

    def record(self, label: str, key: str, subject: str, **props) -> str:
        uid = self.node(label, key, subject_uid=subject, **props)
        self.rel("ABOUT", uid, subject)
        return uid

    def grade(self, subject: str, grade: str, region: str = SUZHOU, valid_from: str = "2026-04-01",
              valid_to: str | None = "2027-03-31", scheme: str = ROAD5, agency: str | None = None) -> str:
        return self.record("Evaluation", f"{subject}|{scheme}|{region}|{valid_from}", subject,
                           scheme=scheme, grade=grade, agency_region=region,
                           agency=agency or f"{region}局", valid_from=valid_from, valid_to=valid_to)

    def listed(self, subject: str, list_kind: str = "严重失信", region: str = SUZHOU,
               listed_on: str = "2025-06-20", removed_on: str | None = None,
               agency: str | None = None) -> str:
        return self.record("ListEntry", f"{list_kind}|{subject}|{region}|{listed_on}", subject,
                           list_kind=list_kind, agency_region=region,
                           agency=agency or f"{region}局", listed_on=listed_on,
                           removed_on=removed_on)

    def penalty(self, decision_no: str, subject: str, decision_date: str = "2025-05-20",
                severity: str = "严重", status: str = "有效", region: str = SUZHOU,
                violation: str = "车辆超速行驶", agency: str | None = None) -> str:
        label, _, key = subject.partition(":")
        known = self.nodes[label].get(key) or getattr(
            self.store.get_nodes([subject]).get(subject), "props", {})
        home = known.get("region_code")
        return self.record("Penalty", decision_no, subject, violation=violation,
                           decision_date=decision_date, severity=severity, status=status,
                           agency_region=region, agency=agency or f"{region}局",
                           subject_region=home)

    def repair(self, decision_no: str, repaired_on: str, mode: str = "承诺",
               evidence: str | None = None) -> str:
        uid = self.node("Repair", f"{decision_no}|{repaired_on}", decision_no=decision_no,
                        repaired_on=repaired_on, mode=mode, evidence=evidence)
        self.rel("REPAIRS", uid, f"Penalty:{decision_no}")
        return uid

    def jurisdiction(self, agency: str, code: str, level: str, regions, seats=(),
                     effective_from: str | None = None) -> str:
        """A national or basin authority as a ``jurisdictions`` row makes it (rule 19), and
        the Agency nodes of its ``seats``, the regions its records are filed under."""
        for seat in seats:
            self.node("Agency", f"{seat}|{agency}", name=agency, region_code=seat)
        return self.node("Agency", f"{code}|{agency}", name=agency, agency_code=code,
                         level=level, regions=list(regions), effective_from=effective_from,
                         region_code=code if code.isdigit() and code != "100000" else None)

    def commitment(self, subject: str, kind: str = "告知承诺制审批", made_on: str = "2025-01-15",
                   due_on: str | None = "2025-07-14", status: str = "违诺", region: str = SUZHOU) -> str:
        return self.record("Commitment", f"{subject}|{kind}|{region}|{made_on}", subject, kind=kind,
                           made_on=made_on, due_on=due_on, status=status, agency_region=region)

    # -- events and further records (scoring, issue 17) ------------------------------------

    def point_entry(self, entry_no: str, subject: str, scheme: str, points: float,
                    occurred_on: str, behaviour: str | None = None, valid_to: str | None = None,
                    region: str = SUZHOU) -> str:
        return self.record("PointEntry", entry_no, subject, scheme=scheme, points=points,
                           behaviour=behaviour, occurred_on=occurred_on, valid_to=valid_to,
                           agency_region=region, agency=f"{region}局")

    def review(self, review_no: str, subject: str, evaluator_kind: str, score: float,
               reviewed_on: str, evaluator_id: str | None = None, max_score: float | None = 100,
               region: str = SUZHOU) -> str:
        return self.record("Review", review_no, subject, evaluator_kind=evaluator_kind,
                           evaluator_id=evaluator_id, score=score, max_score=max_score,
                           reviewed_on=reviewed_on, agency_region=region)

    def accident(self, accident_no: str, subject: str, occurred_on: str, liability: str = "主要责任",
                 deaths: int = 0, injuries: int = 0, region: str = SUZHOU) -> str:
        return self.record("Accident", accident_no, subject, occurred_on=occurred_on,
                           liability=liability, deaths=deaths, injuries=injuries,
                           agency_region=region)

    def inspection(self, inspection_no: str, subject: str, inspected_on: str, result: str = "缺陷",
                   kind: str = "船舶安全检查", region: str = SUZHOU) -> str:
        return self.record("Inspection", inspection_no, subject, inspected_on=inspected_on,
                           result=result, kind=kind, agency_region=region)

    def alarm(self, alarm_no: str, vehicle: str, occurred_at: str, kind: str = "超速",
              outcome: str | None = "已处置") -> str:
        return self.record("MonitoringAlarm", alarm_no, vehicle, occurred_at=occurred_at,
                           kind=kind, outcome=outcome)

    def port_call(self, vessel: str, port: str, port_region: str, arrived_on: str,
                  departed_on: str | None = None) -> str:
        return self.record("PortCall", f"{vessel}|{port_region}|{arrived_on}", vessel, port=port,
                           port_region=port_region, arrived_on=arrived_on,
                           departed_on=departed_on)

    def commit(self):
        with self.store.transaction() as tx:
            for label in KEYS:
                if label in self.nodes:
                    tx.upsert_nodes(label, pd.DataFrame(list(self.nodes[label].values())))
            for rel_type, rows in self.edges.items():
                frame = pd.DataFrame(rows).drop_duplicates(["src", "dst"])
                tx.upsert_edges(rel_type, frame.dropna(axis=1, how="all"))
        self.nodes.clear()
        self.edges.clear()
        return self.store


def sxct(g: GraphBuilder, **kw) -> str:
    """The 苏锡常通 agreement of case #3 (road grades, key-supervision list)."""
    kw.setdefault("schemes", [ROAD5])
    kw.setdefault("list_kinds", ["重点监管"])
    return g.agreement("苏锡常通", [SUZHOU, WUXI, CHANGZHOU, NANTONG], **kw)
