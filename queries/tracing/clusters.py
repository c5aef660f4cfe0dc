"""Groups of connected subjects that carry dishonesty, ranked by size and severity.

A subject *carries dishonesty* on ``as_of`` when it is on the serious-dishonesty list
(严重失信), its grade in force is at the bottom of its scale (D, 行业失信, 红码: see
:data:`queries.tracing.common.WORST_GRADES`), or it has at least ``repeated`` serious (严重)
penalties decided within ``window_days`` before ``as_of`` that were neither revoked nor
repaired by then.

Two such subjects belong to one cluster when they are related directly or share a
neighbour (a legal representative, an employer, a vehicle, a ship) over the subject
relationships valid on ``as_of``; a cluster is a connected group of them.  The
neighbours joining them are the cluster's *bridges*.

The whole-graph pass reads only through the store port:

1. candidates: ``find_nodes`` pages of 严重失信 list entries (indexed), of evaluations
   with a worst grade and of serious penalties;
2. the pluggable status function for the subjects with a worst grade (is it still the
   grade in force?), and the repairs of the serious penalties (``find_nodes`` on the
   indexed ``decision_no``);
3. one hop of ``neighbours`` from every dishonest subject (capped per node and type);
4. connected components with networkx on dishonest subjects and shared neighbours only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import networkx as nx

from graph_model.store.port import Node, Store
from queries.tracing.common import (
    WORST_GRADES, CreditStatus, StatusFn, Step, as_date, check_positive, check_rel_types,
    check_offset, display_name, list_in_force, in_force, name_steps, records_status, scan_nodes,
    step_of,
)
from queries.traverse import edge_valid_on

__all__ = ["clusters", "dishonest_subjects", "Dishonesty", "Cluster", "Clusters"]

#: Severity points of each reason a subject carries dishonesty.
POINTS = {"严重失信": 3, "worst_grade": 2, "serious_penalty": 1}
#: Serious dishonesty is published for at most three years (national repair rules).
DEFAULT_WINDOW_DAYS = 3 * 365
DEFAULT_REPEATED = 2
#: Relationships read per (dishonest subject, relationship type) when linking.
DEFAULT_CAP = 1_000
BATCH = 2_000
#: Values per ``find_nodes`` IN list (below SQLite's 32,766 bound parameters).
VALUES_BATCH = 30_000


@dataclass(frozen=True)
class Dishonesty:
    """Why one subject carries dishonesty: the reasons in words, its severity points and
    the records behind them (list entry, evaluation and penalty uids)."""

    uid: str
    reasons: tuple[str, ...]
    severity: int
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Cluster:
    """Connected dishonest subjects.

    ``members`` most severe first; ``bridges`` the other subjects joining them;
    ``links`` the relationships between members and bridges (steps walked from the
    member, dates included); ``summary`` one line for a list view.
    """

    members: tuple[Dishonesty, ...]
    bridges: tuple[str, ...]
    links: tuple[Step, ...]
    summary: str

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def severity(self) -> int:
        return sum(m.severity for m in self.members)


@dataclass(frozen=True)
class Clusters:
    """The answer of :func:`clusters`: one page of clusters, largest first (then most
    severe); ``dishonest`` counts the subjects carrying dishonesty, ``clustered`` those in
    a cluster of at least ``min_size``; ``cut`` names the dishonest hubs whose
    relationships were capped (links through the rest were not seen)."""

    as_of: dt.date
    clusters: tuple[Cluster, ...]
    total: int
    offset: int
    next_offset: int | None
    dishonest: int
    clustered: int
    cut: tuple[tuple[str, str, int], ...]


def dishonest_subjects(store: Store, *, as_of, status: StatusFn = records_status,
                       window_days: int = DEFAULT_WINDOW_DAYS,
                       repeated: int = DEFAULT_REPEATED) -> dict[str, Dishonesty]:
    """Every subject carrying dishonesty on ``as_of`` (see the module docstring), by uid.

    Examples
    --------
    On the demo data::

        >>> d = dishonest_subjects(store, as_of="2026-10-31")
        >>> d["Enterprise:91320506MA1MKT3P0P"].reasons
        ('on 严重失信 list', 'grade D')
    """
    day = as_date(as_of)
    repeated = check_positive(repeated, "repeated")
    window_days = check_offset(window_days, "window_days")
    d = day.isoformat()
    since = (day - dt.timedelta(days=window_days)).isoformat()
    listed: dict[str, list[str]] = defaultdict(list)
    for e in scan_nodes(store, "ListEntry", {"list_kind": "严重失信"}):
        if e.props.get("subject_uid") and list_in_force(e, day):
            listed[e.props["subject_uid"]].append(e.uid)
    graded: set[str] = set()
    for e in scan_nodes(store, "Evaluation", {"grade": sorted(WORST_GRADES)}):
        if e.props.get("subject_uid") and in_force(e.props.get("valid_from"), e.props.get("valid_to"), day):
            graded.add(e.props["subject_uid"])
    serious: dict[str, list[str]] = defaultdict(list)
    for p in scan_nodes(store, "Penalty", {"severity": "严重"}):
        decided = str(p.props.get("decision_date") or "")[:10]
        if (p.props.get("subject_uid") and p.props.get("status") != "撤销"
                and since < decided <= d):
            serious[p.props["subject_uid"]].append(p.key)
    serious = {u: ps for u, ps in serious.items() if len(ps) >= repeated}
    repaired = _repaired(store, sorted({n for ps in serious.values() for n in ps}), d)
    serious = {u: [n for n in ps if n not in repaired] for u, ps in serious.items()}
    serious = {u: ps for u, ps in serious.items() if len(ps) >= repeated}

    # A worst grade counts only when it is the grade in force: ask the status function
    # (a later, better evaluation under the same scheme supersedes it).
    statuses: dict[str, CreditStatus] = {}
    ordered = sorted(graded)
    for i in range(0, len(ordered), BATCH):
        statuses.update(status(store, ordered[i:i + BATCH], day))
    out: dict[str, Dishonesty] = {}
    for uid in sorted(set(listed) | graded | set(serious)):
        dis = _dishonesty(uid, listed.get(uid, []), statuses.get(uid), serious.get(uid, []))
        if dis is not None:
            out[uid] = dis
    return out


def _repaired(store: Store, decision_nos: Sequence[str], day: str) -> set[str]:
    """The penalties among ``decision_nos`` repaired on or before ``day``.  Large batches:
    the embedded store currently walks every Repair per ``find_nodes`` call instead of
    using the decision_no index (see the tracing report), so fewer calls are cheaper."""
    done = set()
    for i in range(0, len(decision_nos), VALUES_BATCH):
        part = list(decision_nos[i:i + VALUES_BATCH])
        for r in scan_nodes(store, "Repair", {"decision_no": part}):
            if str(r.props.get("repaired_on") or "9999")[:10] <= day:
                done.add(r.props["decision_no"])
    return done


def _dishonesty(uid: str, entries: list[str], st: CreditStatus | None,
                serious: list[str]) -> Dishonesty | None:
    reasons, points, evidence = [], 0, list(entries)
    if entries:
        reasons.append("on 严重失信 list")
        points += POINTS["严重失信"]
    worst = None
    if st is not None:
        worst = st.grade if st.grade in WORST_GRADES else next(
            (g for _, g in st.grades if g in WORST_GRADES), None)
    if worst is not None:
        reasons.append(f"grade {worst}")
        points += POINTS["worst_grade"]
        evidence.extend(u for u in st.evidence if u.startswith("Evaluation:"))
    if serious:
        reasons.append(f"{len(serious)} serious penalties")
        points += POINTS["serious_penalty"] * len(serious)
        evidence.extend(f"Penalty:{n}" for n in serious)
    if not reasons:
        return None
    return Dishonesty(uid, tuple(reasons), points, tuple(sorted(set(evidence))))


def clusters(store: Store, *, as_of, relation_types: Iterable[str] | None = None,
             min_size: int = 2, offset: int = 0, limit: int = 20, cap: int = DEFAULT_CAP,
             status: StatusFn = records_status, window_days: int = DEFAULT_WINDOW_DAYS,
             repeated: int = DEFAULT_REPEATED) -> Clusters:
    """Clusters of connected dishonest subjects over the whole graph.

    Parameters
    ----------
    store : Store
        Any adapter of the store port.
    as_of : datetime.date or str
        Dishonesty and relationships are taken as they stand on this day.
    relation_types : iterable of str, optional
        Relationships that join subjects; default
        :data:`queries.tracing.common.SUBJECT_RELATIONS` (not LOCATED_IN: sharing a city is no
        link).
    min_size : int
        Fewest dishonest subjects in a cluster reported (2 by default; 1 also lists the
        isolated ones).
    offset, limit : int
        The page of clusters, ordered by size, then severity points, then first uid.
    cap : int
        Relationships read per (dishonest subject, relationship type); hubs beyond it
        are named in ``cut``.
    status : StatusFn
        The credit status function (default :func:`queries.tracing.common.records_status`).
    window_days, repeated : int
        "Repeated serious penalties": at least ``repeated`` serious penalties decided in
        the ``window_days`` before ``as_of``, not revoked, not repaired.

    Returns
    -------
    Clusters

    Examples
    --------
    On the demo data on 2026-10-31, 苏州恒通危险品运输有限公司 (严重失信, grade D) and
    济南泉城危险品运输有限公司 (严重失信) carry dishonesty, unconnected, so there is no cluster
    of two; with ``min_size=1`` each is reported alone::

        >>> c = clusters(store, as_of="2026-10-31", min_size=1)
        >>> c.dishonest, [x.summary for x in c.clusters]
        (2, ['1 dishonest subject (1 Enterprise): 苏州恒通危险品运输有限公司 (on 严重失信 list, grade D)', '1 dishonest subject (1 Enterprise): 济南泉城危险品运输有限公司 (on 严重失信 list)'])
    """
    day = as_date(as_of)
    rel_types = list(check_rel_types(relation_types))
    min_size = check_positive(min_size, "min_size")
    limit = check_positive(limit, "limit")
    cap = check_positive(cap, "cap")
    offset = check_offset(offset)

    dishonest = dishonest_subjects(store, as_of=day, status=status, window_days=window_days,
                                   repeated=repeated)
    seeds = sorted(dishonest)
    g = nx.Graph()
    g.add_nodes_from(seeds)
    links: dict[tuple[str, str], list[Step]] = defaultdict(list)
    seen = set()
    cut: dict[tuple[str, str], int] = {}
    contacts: dict[str, set[str]] = defaultdict(set)
    for i in range(0, len(seeds), BATCH):
        hood = store.neighbours(seeds[i:i + BATCH], rel_types, limit=cap)
        cut.update(hood.degrees)
        for e in hood.edges:
            if (e.type, e.src, e.dst) in seen or not edge_valid_on(e, day):
                continue
            seen.add((e.type, e.src, e.dst))
            for near, far in ((e.src, e.dst), (e.dst, e.src)):
                if near in dishonest:
                    contacts[far].add(near)
                    links[(near, far)].append(step_of(e, near))
                    if far in dishonest:
                        break  # one step per relationship between two dishonest subjects
    # Keep a neighbour only when it is dishonest itself or joins two dishonest subjects.
    for far, near in contacts.items():
        if far in dishonest or len(near) >= 2:
            g.add_edges_from((n, far) for n in near)
    comps = []
    for comp in nx.connected_components(g):
        members = sorted((dishonest[u] for u in comp if u in dishonest),
                         key=lambda m: (-m.severity, m.uid))
        if len(members) >= min_size:
            comps.append((members, sorted(u for u in comp if u not in dishonest), comp))
    comps.sort(key=lambda c: (-len(c[0]), -sum(m.severity for m in c[0]), c[0][0].uid))
    page = comps[offset:offset + limit]

    names = store.get_nodes(sorted({u for members, bridges, _ in page
                                    for u in [m.uid for m in members] + bridges}))
    where = {u: i for i, (_, _, comp) in enumerate(page) for u in comp}
    by_cluster: dict[int, list[Step]] = defaultdict(list)
    for (near, far), ss in sorted(links.items()):
        if near in where and where.get(far) == where[near]:
            by_cluster[where[near]].extend(ss)
    out = []
    for i, (members, bridges, comp) in enumerate(page):
        steps = by_cluster.get(i, [])
        named = name_steps(store, [steps], names)[0] if steps else ()
        out.append(Cluster(tuple(members), tuple(bridges), named,
                           _summary(members, bridges, names)))
    nxt = offset + limit if offset + limit < len(comps) else None
    clustered = sum(len(c[0]) for c in comps)
    cut_list = tuple(sorted((u, t, n) for (u, t), n in cut.items()))
    return Clusters(day, tuple(out), len(comps), offset, nxt, len(dishonest), clustered, cut_list)


def _summary(members: Sequence[Dishonesty], bridges: Sequence[str],
             nodes: Mapping[str, Node]) -> str:
    labels = Counter(m.uid.partition(":")[0] for m in members)
    kinds = ", ".join(f"{n} {lab}" for lab, n in sorted(labels.items()))
    n = len(members)
    head = f"{n} dishonest subject{'s' if n != 1 else ''} ({kinds})"
    if bridges:
        shown = ", ".join(display_name(nodes.get(b), b) for b in bridges[:3])
        more = f" and {len(bridges) - 3} more" if len(bridges) > 3 else ""
        head += f" joined through {shown}{more}"
    top = members[0]
    return (f"{head}: {display_name(nodes.get(top.uid), top.uid)} "
            f"({', '.join(top.reasons)})" + (f" and {n - 1} more" if n > 1 else ""))
