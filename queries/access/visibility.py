"""Who may see what: the visibility of a subject to a key of region R, and what of a
person it may read.  Pure functions over records already fetched; the API batches the
reads (api/context.py).

* **own**: a subject registered or based in R (its ``region_code`` lies in R), or one an
  agency of R (or above it) issued a record about;
* **shared**: a subject one of R's partners listed on a list kind, or graded under a scheme,
  that an agreement in force with R shares (the shared watchlists, :func:`list_basis`, and
  mutual recognition), or that a national or basin authority whose jurisdiction covers R
  listed or graded, or that is on a nationwide list (严重失信, rule 19);
* **linked**: one subject relationship (:data:`LINK_RELATIONS`: legal representative,
  employer, owner, driver, crew) away from an own or shared subject.

A key of a national or basin authority (长江航务管理局) has the regions of its
jurisdiction besides its own (:func:`key_regions`): R above is each of them.

Anything else is outside the scope, and answered exactly like a subject that does not
exist: with the same error, after the same reads (:func:`check_subject`), so that neither
the answer nor its time tells one from the other.  Personal fields of a person (name, certificate, masked ID) are shown only where
the person is *own*, and never to a viewer; resident ID numbers are never stored, so
never shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum
from typing import Iterable, Mapping, Sequence

from graph_model.schema import schema
from graph_model.store.port import Node, Store
from queries.rules.jurisdiction import (
    NO_JURISDICTIONS, Agreement, Jurisdictions, agreements_covering, overlaps, within,
)
from queries.rules.scales import Scales
from queries.rules.watchlist import list_basis
from queries.tracing.common import SUBJECT_RELATIONS

__all__ = ["Vis", "SUBJECT_LABELS", "LINK_RELATIONS", "LINK_CAP", "key_regions",
           "subject_visibility", "record_visibility", "linked_visibility", "check_subject",
           "Checked", "in_force", "DENIAL_FLOOR_S", "PERSON_PUBLIC", "personal_data_clear",
           "shown_props", "mask_text", "mask_id", "record_personal_clear", "shown_record_props"]

SUBJECT_LABELS = frozenset(schema().subject_labels())
#: The least time a refusal of something named by id takes, counted from the start of its
#: check: the same reads (:func:`check_subject`) still differ by the bytes they find (a few
#: tenths of a millisecond), which this hides; a check longer than it is no faster for a
#: subject that is not there.
DENIAL_FLOOR_S = 0.004
#: Relationships that link a subject to the scope, and how many of each type are looked
#: at per subject.
LINK_RELATIONS = SUBJECT_RELATIONS
LINK_CAP = 50


class Vis(IntEnum):
    """How a key sees a subject, weakest first."""

    NONE = 0
    LINKED = 1
    SHARED = 2
    OWN = 3


def key_regions(region: str, agency: str | None, jur: Jurisdictions,
                day: dt.date) -> tuple[str, ...]:
    """The regions a key of ``agency`` in ``region`` governs on ``day``: its region, and
    the regions of its agency's jurisdiction (a basin authority's provinces; ``100000``,
    everywhere, for a national one)."""
    return jur.regions_of(agency, region, day)


def _regions(region: str | Sequence[str]) -> tuple[str, ...]:
    return (region,) if isinstance(region, str) else tuple(region)


def subject_visibility(node: Node | None, region: str | Sequence[str]) -> Vis | None:
    """What the subject node alone decides: OWN when registered in ``region`` (or one of
    the regions given), NONE when it is no subject; None when its records must decide (also
    for a node that does not exist, which must cost what a subject outside the scope
    costs)."""
    if node is None:
        return None
    if node.label not in SUBJECT_LABELS:
        return Vis.NONE
    code = node.props.get("region_code")
    return Vis.OWN if any(within(code, r) for r in _regions(region)) else None


def record_visibility(records: Sequence[Node], region: str | Sequence[str],
                      agreements: Sequence[Agreement], day: dt.date, scales: Scales,
                      jur: Jurisdictions = NO_JURISDICTIONS) -> Vis:
    """What a subject's records decide: OWN when an agency of ``region`` (or above or
    inside it; or of one of the regions given) issued one, SHARED when a partner's list
    entry or evaluation is shared with it by one of ``agreements`` (those in force on
    ``day`` covering it), when a national or basin authority whose jurisdiction covers it
    issued one, or when a list entry's kind binds nationwide."""
    regions = _regions(region)
    best = Vis.NONE
    for r in records:
        issuer = r.props.get("agency_region")
        if any(overlaps(issuer, reg) for reg in regions):
            return Vis.OWN
        if best is not Vis.NONE or not issuer:
            continue
        for reg in regions:
            if r.label == "ListEntry":
                if list_basis(issuer, r.props.get("list_kind"), reg, agreements, day,
                              agency=r.props.get("agency"), jur=jur):
                    best = Vis.SHARED
            elif r.label == "Evaluation":
                scheme = str(r.props.get("scheme"))
                if (jur.basis(r.props.get("agency"), issuer, reg, day) is not None
                        or any(a.covers(issuer) and a.covers_scheme(scheme, scales)
                               for a in agreements)):
                    best = Vis.SHARED
            elif jur.basis(r.props.get("agency"), issuer, reg, day) is not None:
                best = Vis.SHARED
    return best


def linked_visibility(neighbours: Iterable[Vis]) -> Vis:
    """LINKED when a subject one relationship away is own or shared, else NONE."""
    return Vis.LINKED if any(v >= Vis.SHARED for v in neighbours) else Vis.NONE


@dataclass(frozen=True)
class Checked:
    """What :func:`check_subject` found: the visibility, and the reads it made on the way
    (the node, None when there is none; its records and the agreements in force, None
    when not read)."""

    vis: Vis
    node: Node | None
    records: list[Node] | None
    agreements: tuple[Agreement, ...] | None = None


def check_subject(store: Store, uid: str, region: str | Sequence[str], day: dt.date,
                  scales: Scales, agreements: Sequence[Agreement] | None = None,
                  jur: Jurisdictions = NO_JURISDICTIONS) -> Checked:
    """The visibility to a key of ``region`` (or of the regions given: its own and its
    agency's jurisdiction, ``jur``) of the one subject a caller named by its id
    (``agreements``: those in force on ``day`` covering one of them, read when needed and
    not given).

    A subject the key may not see is read exactly as a subject that does not exist: its
    node, its records, the agreements, its linked subjects (:data:`LINK_RELATIONS`) and
    their nodes and records, one store call each, whether or not anything is there.  So
    the denial of either comes after the same work, and its time says nothing of
    existence.  (Lists of subjects found in stored data need not pay this: they exist.)
    """
    node = store.get_nodes([uid]).get(uid)
    alone = subject_visibility(node, region)
    if alone is not None:  # registered in the region (or not a subject at all)
        return Checked(alone, node, None, agreements)
    records = store.records_about([uid]).get(uid, [])
    if agreements is None:
        agreements = in_force(agreements_covering(store, list(_regions(region))), day)
    vis = record_visibility(records, region, agreements, day, scales, jur)
    if vis is not Vis.NONE:
        return Checked(vis, node, records, agreements)
    # from here on, the same calls for a subject outside the scope and one that is not
    # there (for which each of them finds nothing)
    hood = store.neighbours([uid], LINK_RELATIONS, "both", LINK_CAP)
    far = sorted({e.dst if e.src == uid else e.src for e in hood.edges})
    near = store.get_nodes(far)
    alone_near = {f: subject_visibility(near.get(f), region) for f in far}
    near_records = store.records_about([f for f, v in alone_near.items() if v is None])
    linked = linked_visibility(
        v if v is not None else record_visibility(near_records.get(f, []), region, agreements,
                                                  day, scales, jur)
        for f, v in alone_near.items())
    return Checked(linked, node, records, agreements)


def in_force(agreements: Iterable[Agreement], day: dt.date) -> tuple[Agreement, ...]:
    """The agreements in force on ``day``."""
    return tuple(a for a in agreements if a.in_force(day))


# -- personal data ----------------------------------------------------------------------

#: Person properties shown to every agency that may see the person at all.
PERSON_PUBLIC = frozenset({"id_hash", "role", "region_code"})


#: Roles that read personal data masked, always: a viewer, and a firm's own key (issue 16).
MASKED_ROLES = frozenset({"viewer", "subject"})


def personal_data_clear(vis: Vis, role: str) -> bool:
    """Whether a key of ``role`` reads a person it sees as ``vis`` in clear."""
    return vis is Vis.OWN and role not in MASKED_ROLES


def mask_text(value) -> str | None:
    """``张建国`` -> ``张**``: the first character only.

    >>> mask_text("张建国")
    '张**'
    """
    if value is None or value == "":
        return None
    s = str(value)
    return s[0] + "*" * (len(s) - 1) if len(s) > 1 else "*"


def mask_id(value) -> str | None:
    """A masked resident ID further masked for agencies without the record: the region
    digits only.

    >>> mask_id("320402********0353")
    '320402************'
    """
    if not value:
        return None
    s = str(value)
    return s[:6] + "*" * max(0, len(s) - 6)


def shown_props(node: Node, clear: bool) -> Mapping:
    """The node's properties as shown: no bookkeeping (``_sources``) or matching keys
    (``*_norm``), and a person's personal fields masked unless ``clear``."""
    props = {k: v for k, v in node.props.items()
             if not k.startswith("_") and not k.endswith("_norm")}
    if node.label == "Person" and not clear:
        for k in list(props):
            if k in PERSON_PUBLIC:
                continue
            props[k] = mask_id(props[k]) if k == "id_masked" else mask_text(props[k])
    return props


# -- personal data in records ------------------------------------------------------------

def record_personal_clear(record: Node, region: str, role: str) -> bool:
    """Whether a key of ``region`` and ``role`` reads a record's personal properties (the
    schema's ``personal: true``: a reviewer's id) in clear: only the agencies holding the
    record (its agency inside, above or equal to ``region``), never a viewer or a firm's
    own key."""
    return role not in MASKED_ROLES and overlaps(record.props.get("agency_region"), region)


def shown_record_props(label: str, props: Mapping, clear: bool) -> Mapping:
    """``props`` of a record of ``label`` with its personal properties masked unless
    ``clear`` (a masked resident ID keeps its region digits, other text its first
    character, as a person's fields are masked).

    >>> shown_record_props("Review", {"evaluator_masked": "320502********123X",
    ...                               "evaluator_id": "S2024001", "score": 4}, clear=False)
    {'evaluator_masked': '320502************', 'evaluator_id': 'S*******', 'score': 4}
    """
    personal = [p for p in schema().label(label).properties.values() if p.personal]
    if clear or not personal:
        return props
    out = dict(props)
    for prop in personal:
        if out.get(prop.name) not in (None, ""):
            value = out[prop.name]
            out[prop.name] = mask_id(value) if prop.name.endswith("_masked") else mask_text(value)
    return out
