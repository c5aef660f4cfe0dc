"""What the investigator-tracing queries share: limits, named steps, and credit status.

The tracing functions (:mod:`queries.tracing.related`, :mod:`queries.tracing.paths`,
:mod:`queries.tracing.shared_identifiers`, :mod:`queries.tracing.clusters`, :mod:`queries.tracing.successors`)
answer with node uids and the relationships that join them.  A relationship walked by a
query is a :class:`Step`: where it starts and ends *on the walk*, its type, whether the
walk followed the stored direction, and the validity dates the data gave it.  Steps are
self-describing once :func:`name_steps` has put the subjects' names into a sentence
("张建国 is the legal representative of 苏州恒通危险品运输有限公司").

The *credit status* of a subject is computed by a small pluggable function
(:data:`StatusFn`).  The default, :func:`records_status`, reads the records directly: the
lists the subject is on at ``as_of`` and its latest evaluation in force.  A fuller
recognised grade (mutual recognition, joint discipline measures) plugs in with the same
signature.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Literal, Mapping, Sequence

from graph_model.i18n import message
from graph_model.store.port import Edge, Node, Store
from graph_model.schema import SchemaError, schema, split_uid
from queries.dates import InvalidInput, parse_as_of
from queries.versions import counted_by_subject

__all__ = [
    "MAX_DEPTH", "SUBJECT_RELATIONS", "WORST_GRADES", "UnknownSubject", "Step", "CreditStatus",
    "StatusFn", "records_status", "check_depth", "check_subject", "check_rel_types",
    "check_kinds", "check_offset", "check_positive", "display_name", "name_steps", "step_of",
    "step_from_data", "in_force", "list_in_force", "as_date", "date_of", "scan_nodes",
]

#: Nodes read per page by the whole-graph passes.
SCAN_PAGE = 20_000

#: The deepest walk any tracing query accepts.  Four hops reach a firm's legal
#: representative's other firms' vehicles' drivers; beyond that everything in a region
#: is related to everything else, and answers stop being evidence.
MAX_DEPTH = 4

#: Relationship types between subjects, the default of every tracing query.  LOCATED_IN
#: is left out on purpose: every subject of a city is two hops from every other through
#: the region node, which is no evidence of anything.  Callers may still ask for it.
SUBJECT_RELATIONS: tuple[str, ...] = (
    "LEGAL_REPRESENTATIVE_OF", "EMPLOYED_BY", "OWNS", "OPERATES", "DRIVES", "SERVES_ON",
)

#: Grades that mark a subject as dishonest in the default status: the bottom of the
#: five-level scale (D, and Shandong's 行业失信 below it) and the red code of the Yangtze
#: four colours (#19).  The grade scales (queries/rules/scales.py) could replace this with a
#: position on the common severity scale.
WORST_GRADES: frozenset[str] = frozenset({"D", "行业失信", "红码"})

#: How each relationship reads in a sentence, stated in its stored direction.
_VERBS: dict[str, str] = {
    "LEGAL_REPRESENTATIVE_OF": "is the legal representative of",
    "EMPLOYED_BY": "is employed by",
    "OWNS": "owns",
    "OPERATES": "operates",
    "DRIVES": "drives",
    "SERVES_ON": "serves on",
    "LOCATED_IN": "is located in",
    "PART_OF": "is part of",
    "SUCCEEDED_BY": "was succeeded by",
    "MEMBER_OF": "is a member of",
}


class UnknownSubject(InvalidInput):
    """A subject uid that is well formed but not in the store."""


# -- steps ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One relationship walked from ``frm`` to ``to``.

    ``direction`` is ``"out"`` when the stored relationship points from ``frm`` to ``to``
    (a firm OWNS the vehicle reached) and ``"in"`` when the walk went against it (from a
    vehicle to the firm that OWNS it).  ``valid_from``/``valid_to`` are the relationship's
    validity dates (ISO strings) where the data gave them.  ``text`` is a sentence naming
    both subjects, filled in by :func:`name_steps` (empty until then).
    """

    frm: str
    rel_type: str
    to: str
    direction: Literal["out", "in"]
    valid_from: str | None = None
    valid_to: str | None = None
    text: str = ""

    @property
    def src(self) -> str:
        """The relationship's stored source (e.g. the owner)."""
        return self.frm if self.direction == "out" else self.to

    @property
    def dst(self) -> str:
        """The relationship's stored target (e.g. the vehicle owned)."""
        return self.to if self.direction == "out" else self.frm

    def when(self) -> str:
        """" (since 2020-01-01 until 2024-02-29)", or "" without dates."""
        parts = []
        if self.valid_from:
            parts.append(f"since {self.valid_from}")
        if self.valid_to:
            parts.append(f"until {self.valid_to}")
        return f" ({' '.join(parts)})" if parts else ""


def step_of(edge: Edge, frm: str) -> Step:
    """The step walking ``edge`` away from ``frm`` (one of its ends)."""
    if edge.src == frm:
        to, direction = edge.dst, "out"
    elif edge.dst == frm:
        to, direction = edge.src, "in"
    else:
        raise ValueError(f"{frm} is not an end of {edge}")
    return Step(frm, edge.type, to, direction, _date_text(edge.props.get("valid_from")),
                _date_text(edge.props.get("valid_to")))


def step_from_data(frm: str, to: str, rel_type: str, stored_src: str,
                   props: Mapping) -> Step:
    """A step from a networkx edge (``stored_src`` is the edge's stored source)."""
    return Step(frm, rel_type, to, "out" if stored_src == frm else "in",
                _date_text(props.get("valid_from")), _date_text(props.get("valid_to")))


def _date_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)[:10]


def display_name(node: Node | None, uid: str) -> str:
    """How a subject is named in sentences: the firm's or ship's name, a person's name
    with the masked ID, a plate."""
    if node is None:
        return uid
    p = node.props
    if node.label == "Person":
        name = p.get("name") or "(unnamed person)"
        return f"{name} ({p['id_masked']})" if p.get("id_masked") else name
    if node.label == "Vehicle":
        return str(p.get("plate") or node.key)
    if node.label == "Vessel":
        return f"{p['name']} ({node.key})" if p.get("name") else node.key
    return str(p.get("name") or node.key)


def sentence(step: Step, names: Mapping[str, str]) -> str:
    """The step as a sentence in the relationship's stored direction."""
    verb = _VERBS.get(step.rel_type, step.rel_type)
    return f"{names.get(step.src, step.src)} {verb} {names.get(step.dst, step.dst)}{step.when()}"


def name_steps(store: Store, paths: Sequence[Sequence[Step]],
               nodes: Mapping[str, Node] | None = None) -> list[tuple[Step, ...]]:
    """``paths`` with every step's ``text`` filled in (one ``get_nodes`` for all of them)."""
    wanted = {u for path in paths for s in path for u in (s.frm, s.to)}
    known = dict(nodes or {})
    missing = wanted - set(known)
    if missing:
        known.update(store.get_nodes(sorted(missing)))
    names = {u: display_name(known.get(u), u) for u in wanted}
    return [tuple(dataclasses.replace(s, text=sentence(s, names)) for s in path)
            for path in paths]


# -- argument checks -------------------------------------------------------------------------

def check_depth(depth, what: str = "depth", minimum: int = 0) -> int:
    """``depth`` as an int between ``minimum`` and :data:`MAX_DEPTH`, or InvalidInput."""
    if isinstance(depth, bool) or not isinstance(depth, int):
        raise InvalidInput(message("error.integer", what=what, value=repr(depth)))
    if depth < minimum or depth > MAX_DEPTH:
        raise InvalidInput(message("error.depth_range", what=what, minimum=str(minimum),
                                   maximum=str(MAX_DEPTH), value=str(depth)))
    return depth


def check_subject(store: Store, uid) -> Node:
    """The node ``uid`` names; InvalidInput when malformed, UnknownSubject when absent."""
    if not isinstance(uid, str):
        raise InvalidInput(message("error.tracing.subject_not_id", uid=repr(uid)))
    try:
        label, _ = split_uid(uid)
    except SchemaError as exc:
        raise InvalidInput(str(exc)) from None
    if not schema().labels[label].in_graph:
        raise InvalidInput(message("error.tracing.record_not_subject", uid=uid))
    node = store.get_nodes([uid]).get(uid)
    if node is None:
        raise UnknownSubject(message("error.tracing.no_subject", uid=uid))
    return node


def check_rel_types(rel_types: Iterable[str] | None) -> tuple[str, ...]:
    """The relationship types to walk (default :data:`SUBJECT_RELATIONS`)."""
    if rel_types is None:
        return SUBJECT_RELATIONS
    if isinstance(rel_types, str):
        rel_types = [rel_types]
    out = tuple(dict.fromkeys(rel_types))
    graph_types = set(schema().graph_rel_types())
    for t in out:
        if t not in schema().relationships:
            raise InvalidInput(message("error.tracing.rel_type", type=repr(t),
                                       known=", ".join(schema().graph_rel_types())))
        if t not in graph_types:
            raise InvalidInput(message("error.tracing.rel_not_walked", type=t,
                                       known=", ".join(schema().graph_rel_types())))
    if not out:
        raise InvalidInput(message("error.tracing.rel_types_empty"))
    return out


def check_kinds(kinds: Iterable[str] | None) -> frozenset[str]:
    """Subject labels to answer with (default: all four subject labels)."""
    subjects = schema().subject_labels()
    if kinds is None:
        return frozenset(subjects)
    if isinstance(kinds, str):
        kinds = [kinds]
    out = frozenset(kinds)
    bad = sorted(out - set(subjects))
    if bad:
        raise InvalidInput(message("error.tracing.kinds", kinds=", ".join(bad),
                                   known=", ".join(subjects)))
    if not out:
        raise InvalidInput(message("error.tracing.kinds_empty"))
    return out


def check_positive(value, what: str) -> int:
    """``value`` as an integer of 1 or more, or InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(message("error.positive_integer", what=what, value=repr(value)))
    return value


def as_date(value) -> dt.date:
    """``as_of`` parsed (InvalidInput for anything that is not a date)."""
    return parse_as_of(value)


def check_offset(value, what: str = "offset") -> int:
    """``value`` as an integer of 0 or more, or InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(message("error.not_negative", what=what, value=repr(value)))
    return value


def scan_nodes(store: Store, label: str, where: Mapping | None = None) -> Iterator[Node]:
    """Every node of ``label`` matching ``where``, in pages of :data:`SCAN_PAGE`, for the
    whole-graph passes."""
    return store.iter_nodes(label, where, page=SCAN_PAGE)


def date_of(value) -> dt.date | None:
    """A stored date property as a date (None when absent or unreadable)."""
    text = _date_text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


# -- credit status ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CreditStatus:
    """What an investigator sees beside a related subject.

    ``grade``/``scheme``: the latest evaluation in force at ``as_of`` (``None`` without
    one); ``grades``: the latest evaluation in force under every scheme, as
    ``(scheme, grade)`` pairs; ``lists``: the list kinds the subject is on at ``as_of``;
    ``measures``: joint discipline measures in force (empty in the default status, which
    does not compute them); ``evidence``: uids of the records behind all of it.
    """

    grade: str | None = None
    scheme: str | None = None
    grades: tuple[tuple[str, str], ...] = ()
    lists: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def seriously_dishonest(self) -> bool:
        """On the serious-dishonesty list, or graded at the bottom of its scale."""
        return "严重失信" in self.lists or self.grade in WORST_GRADES


#: A status function: ``(store, uids, as_of) -> {uid: CreditStatus}``, batched so a page
#: of subjects costs one read.  Subjects without records may be left out of the answer.
StatusFn = Callable[[Store, Sequence[str], dt.date], Mapping[str, CreditStatus]]


def in_force(start, end, day: dt.date) -> bool:
    """Whether [start, end] (ISO strings, end inclusive, None open) holds on ``day``."""
    d = day.isoformat()
    s, e = _date_text(start), _date_text(end)
    return (s is None or s <= d) and (e is None or d <= e)


def list_in_force(entry: Node, day: dt.date) -> bool:
    """A list entry is in force from ``listed_on`` until the day before ``removed_on``."""
    d = day.isoformat()
    listed, removed = _date_text(entry.props.get("listed_on")), _date_text(entry.props.get("removed_on"))
    return listed is not None and listed <= d and (removed is None or d < removed)


def records_status(store: Store, uids: Sequence[str], as_of: dt.date) -> dict[str, CreditStatus]:
    """The default status: read each subject's list entries and evaluations.

    * ``lists``: list kinds with an entry listed on or before ``as_of`` and not removed by
      then (sorted);
    * ``grade``: the evaluation in force at ``as_of`` (``valid_from <= as_of <= valid_to``)
      with the latest ``valid_from`` across schemes (ties: a grade of
      :data:`WORST_GRADES` first, then record uid); ``grades``: the same per scheme;
    * ``measures``: always empty; queries/rules/discipline/ supplies them when wired in.

    Examples
    --------
    On the demo data, 苏州恒通危险品运输有限公司 on 2026-10-31::

        >>> records_status(store, ["Enterprise:91320506MA1MKT3P0P"],
        ...                dt.date(2026, 10, 31))["Enterprise:91320506MA1MKT3P0P"]
        CreditStatus(grade='D', scheme='道路运输经营者信用评价',
                     grades=(('道路运输经营者信用评价', 'D'),), lists=('严重失信', '重点监管'), ...)
    """
    out: dict[str, CreditStatus] = {}
    if not uids:
        return out
    # Only the labels used: a vehicle has dozens of monitoring alarms, a vessel its port
    # calls, none of which a credit status reads (the stores find a subject's records of
    # some labels without reading the others).
    recs = counted_by_subject(store, store.records_about(uids, ["ListEntry", "Evaluation"]),
                              as_of)  # the versions of the day (rule 21)
    for uid, nodes in recs.items():
        lists, evidence, per_scheme = set(), [], {}
        for n in nodes:
            if n.label == "ListEntry":
                if list_in_force(n, as_of):
                    lists.add(n.props.get("list_kind"))
                    evidence.append(n.uid)
            elif n.label == "Evaluation":
                if n.props.get("valid_from") and in_force(n.props.get("valid_from"),
                                                          n.props.get("valid_to"), as_of):
                    rank = (str(n.props["valid_from"])[:10], n.props.get("grade") in WORST_GRADES,
                            n.uid)
                    key = str(n.props.get("scheme"))
                    if key not in per_scheme or rank > per_scheme[key][0]:
                        per_scheme[key] = (rank, n)
        grade = scheme = None
        if per_scheme:
            best = max(per_scheme.values(), key=lambda rn: rn[0])[1]
            grade, scheme = best.props.get("grade"), best.props.get("scheme")
            evidence.extend(n.uid for _, n in per_scheme.values())
        grades = tuple(sorted((k, str(n.props.get("grade"))) for k, (_, n) in per_scheme.items()))
        out[uid] = CreditStatus(grade=grade, scheme=scheme, grades=grades,
                                lists=tuple(sorted(x for x in lists if x)),
                                evidence=tuple(sorted(evidence)))
    return out
