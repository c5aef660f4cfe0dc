"""The live feed: the store's change log (:meth:`graph_model.store.port.Store.changes_after`)
read as records written and removed, and who may hear of them.

Every committed write, whichever process made it (``creditkb load``, an API mutation, an
undo, a decision written through :mod:`loaders.write`), is in the change log in commit
order; a reader keeps its position and asks for what came after it, so a client that
comes back with its last position misses nothing (or is told, with
:class:`~graph_model.store.port.ChangesTrimmed`, that the log no longer reaches back).

A record is heard by the keys that may see its subject, as the reads decide
(:mod:`queries.access.visibility`).  A record that went (undone or deleted) is judged by
what it was: its subject if that is still there, else its own issuer and the subject's
registration as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from graph_model.i18n import message
from graph_model.schema import schema
from graph_model.store.port import Change, Node, Store
from queries.access.visibility import (
    LINK_CAP, LINK_RELATIONS, SUBJECT_LABELS, Vis, linked_visibility, record_visibility,
    subject_visibility,
)
from queries.rules.jurisdiction import NO_JURISDICTIONS, Agreement, Jurisdictions
from queries.rules.scales import Scales
from queries.traverse import hops

__all__ = ["RECORD_LABELS", "FeedItem", "feed_items", "check_kinds", "gone_visibility",
           "withdrawn_list_entries", "subjects_visibility", "VISIBILITY_PROPS", "PAGE"]

#: record labels (nodes about a subject): what ``recordChanges`` may ask for
RECORD_LABELS = tuple(n for n, lab in schema().labels.items()
                      if not lab.is_subject and "ABOUT" in schema().link_rel_types()
                      and n in schema().rel("ABOUT").from_labels)
#: change-log entries read per store call
PAGE = 2000
#: the record properties :func:`~queries.access.visibility.record_visibility` looks at
VISIBILITY_PROPS = ("agency_region", "agency", "list_kind", "scheme")


@dataclass(frozen=True)
class FeedItem:
    """A record as a change left it: ``node`` as stored now (or, when ``removed``, as it
    was when it went), ``subject`` the uid it is about."""

    pos: int
    at: str
    load_id: str | None
    removed: bool
    node: Node
    subject: str | None

    @property
    def label(self) -> str:
        return self.node.label


def check_kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    """The record labels asked for (all when None); an unknown one is a ValueError naming
    the ones there are.

    >>> check_kinds(["Penalty", "ListEntry"])
    ('Penalty', 'ListEntry')
    >>> check_kinds(["Enterprise"])
    Traceback (most recent call last):
    ...
    ValueError: kinds：Enterprise不是记录类型，应为以下之一：...
    """
    if kinds is None:
        return RECORD_LABELS
    kinds = tuple(dict.fromkeys(kinds))
    for k in kinds:
        if k not in RECORD_LABELS:
            raise ValueError(message("feed.error.kind", kind=k, kinds=", ".join(RECORD_LABELS)))
    return kinds


def feed_items(changes: Sequence[Change], kinds: Sequence[str]) -> list[FeedItem]:
    """The records of ``kinds`` that ``changes`` (read with their nodes:
    ``changes_after(..., nodes=True)``) wrote or removed, each once (at its last position
    among them), in position order, with what they hold now: a record written and then
    undone within ``changes`` is heard as removed, with what it held."""
    wanted = set(kinds)
    last: dict[str, Change] = {}
    for c in changes:
        if c.label in wanted:
            last.pop(c.uid, None)
            last[c.uid] = c  # moved to the end: dict order is position order
    out = []
    for uid, c in last.items():
        node = c.node
        if node is None and c.gone is None:
            continue  # written, then gone by a later entry this reader will see
        removed = node is None
        node = node or Node(uid, c.label, c.gone)
        subject = c.about or node.props.get("subject_uid")
        out.append(FeedItem(c.pos, c.at, c.load_id, removed, node, subject))
    return out


def withdrawn_list_entries(store: Store, items: Sequence[FeedItem]) -> list[FeedItem]:
    """The list entries that objections among ``items`` withdrew or corrected (rule 21):
    the decision is written as the Objection, not as the entry, yet partners' watchlists
    lose the entry from the decision day, so each is heard as the entry ending then (its
    corrected version, a ListEntry of its own, is heard as written)."""
    from queries.rules.objections import resolve_record
    from queries.versions import SUCCEEDED

    out = []
    for item in items:
        p = item.node.props
        if item.label != "Objection" or item.removed or p.get("status") not in SUCCEEDED:
            continue
        record = resolve_record(store, p.get("record_uid") or p.get("record"))
        if record is None or record.label != "ListEntry":
            continue
        ended = Node(record.uid, record.label, {**record.props, "removed_on": p.get("closed_on")})
        out.append(FeedItem(item.pos, item.at, item.load_id, False, ended,
                            record.props.get("subject_uid") or item.subject))
    return out


def gone_visibility(item: FeedItem, subject: Node | None, regions: Sequence[str],
                    agreements: Sequence[Agreement], day: dt.date, scales: Scales,
                    jur: Jurisdictions = NO_JURISDICTIONS) -> Vis:
    """The visibility of a removed record whose subject is gone too (an undone load that
    created both): the subject's registration (``subject``, as it was, if known) or the
    record's own issuer decide, as the reads would have before it went."""
    if subject is not None and subject.label in SUBJECT_LABELS:
        if subject_visibility(subject, regions) is Vis.OWN:
            return Vis.OWN
    return record_visibility([item.node], regions, agreements, day, scales, jur)


def subjects_visibility(store: Store, uids: Sequence[str], regions: Sequence[str],
                        agreements: Sequence[Agreement], day: dt.date, scales: Scales,
                        jur: Jurisdictions = NO_JURISDICTIONS) -> dict[str, Vis]:
    """The visibility of each of ``uids`` (subjects found in the change log) to a key of
    ``regions``: what the reads decide (``api.context.Scope``: own or shared by its node
    or its records, else linked to an own or shared subject), judged from the facets of
    the records (:meth:`~graph_model.store.port.Store.record_facets` of
    :data:`VISIBILITY_PROPS`), not the records.

    Why: a load's entries are mostly about subjects outside a key's region, each with
    up to thousands of records and their linked subjects' records to look at.  A record's
    visibility depends on its label and those properties alone, and a subject's is the
    best of its records' (:func:`record_visibility` returns the first OWN, else SHARED if
    any), so each distinct facet is judged once per call, and no record is decoded.
    Not for subjects a caller named: those go through ``check_subject``, whose reads
    must not tell "not yours" from "not there"."""
    judged: dict[tuple, Vis] = {}

    def of_facets(facets: Iterable[tuple]) -> Vis:
        best = Vis.NONE
        for facet in facets:
            vis = judged.get(facet)
            if vis is None:
                label, *values = facet
                record = Node("", label, dict(zip(VISIBILITY_PROPS, values)))
                vis = judged[facet] = record_visibility([record], regions, agreements, day,
                                                        scales, jur)
            best = max(best, vis)
            if best is Vis.OWN:
                break
        return best

    def direct(asked: list[str]) -> dict[str, Vis]:  # own or shared, as Scope._direct
        nodes = store.get_nodes(asked)
        out: dict[str, Vis] = {}
        for uid in asked:
            vis = subject_visibility(nodes.get(uid), regions)
            if vis is not None:
                out[uid] = vis
        rest = [u for u in asked if u not in out]
        facets = store.record_facets(rest, VISIBILITY_PROPS) if rest else {}
        out.update((u, of_facets(facets.get(u, ()))) for u in rest)
        return out

    uids = list(dict.fromkeys(uids))
    out = direct(uids)
    pending = [u for u in uids if out[u] is Vis.NONE and u.partition(":")[0] in SUBJECT_LABELS]
    if pending:  # linked, as Scope._batch
        hoods = hops(store, [(u, LINK_RELATIONS, "both", LINK_CAP) for u in pending])
        far = {u: {e.dst if e.src == u else e.src for e in edges}
               for u, (edges, _) in zip(pending, hoods)}
        everyone = sorted(set().union(*far.values()))
        if everyone:
            near = direct(everyone)
            for u in pending:
                out[u] = linked_visibility(near[f] for f in far[u])
    return out
