"""Filing and deciding objections (rule 21) through the loaders' public write path.

queries/ says what to write (:mod:`queries.rules.objections`); this module writes it with
:mod:`loaders.write`, so every step is a load of its own: provenance-tracked, listed by
``creditkb loads``, undone by ``creditkb loads undo`` (undoing a 更正 decision leaves its
corrected version inert, :mod:`queries.versions`), and in the change feed.  A decision is
taken inside its write's transaction against the objection as stored then (the guard), so
two deciders racing cannot both move it.

A 更正 decision writes the corrected version first, then the decision naming it: the new
version counts only once its objection is decided 更正, so a failure between the two
leaves the answers as they were.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Mapping, Sequence

from graph_model.errors import ForbiddenError
from graph_model.i18n import message
from graph_model.store.port import Node, Store
from loaders.kinds import kinds
from loaders.write import amend_records, write_records
from queries.dates import InvalidInput
from queries.rules.objections import (
    correction_row, filing_row, may_decide, resolve_record, transition,
)
from queries.versions import CORRECTED

__all__ = ["NOT_THERE", "NotDecidable", "kind_of", "file_objection", "decide_objection"]

#: The one answer for an objection (a record) that is not there and one the key may not act on.
NOT_THERE = "objection.error.not_there"  # the msgid of the one answer for both


class NotDecidable(ForbiddenError):
    """The objection does not exist, or the key's agency may not decide it."""


def kind_of(label: str) -> str:
    """The exchange-format kind whose rows are records of ``label``."""
    return next(name for name, k in kinds().items() if k.label == label)


def _number(day: dt.date) -> str:
    return f"YY{day:%Y%m%d}-{secrets.token_hex(3).upper()}"


def file_objection(store: Store, secret: str, record: Node, filed_on, *,
                   grounds: str | None = None, filed_by: str | None = None,
                   attachments: Sequence[str] = (), objection_no: str | None = None,
                   source: str, writer: str | None) -> Node:
    """File an objection against ``record`` (accepted, 受理, on ``filed_on``), handled by the
    agency that owns the record; ``writer`` is the agency recorded with the load."""
    day = dt.date.fromisoformat(str(filed_on)[:10])
    p = record.props
    if not p.get("agency_region"):
        raise InvalidInput(message("objection.error.no_agency_region", record=record.uid))
    row = filing_row(record, objection_no or _number(day), day, agency=str(p.get("agency") or p["agency_region"]),
                     agency_region=str(p["agency_region"]), grounds=grounds, filed_by=filed_by,
                     attachments=attachments)

    def new_only(existing: Mapping[str, Node]) -> None:
        if existing:
            raise InvalidInput(message("objection.error.filed_already", number=row["objection_no"]))

    written = write_records(store, secret, "objections", [row], agency=writer, source=source,
                            guard=new_only)
    return written.nodes[0]


def decide_objection(store: Store, secret: str, objection_uid: str, status: str, on, *,
                     agency: str, region: str, reason: str | None = None,
                     changes: Mapping[str, Any] | None = None, source: str
                     ) -> tuple[Node, Node | None]:
    """Move an objection to ``status`` on ``on`` as the key of ``agency`` in ``region``; a
    更正 decision writes the corrected version of the record with ``changes`` (columns of
    the record's kind).  Returns the objection as stored then and the corrected version.

    Raises
    ------
    NotDecidable
        The objection is not there, or the key may not decide it (one answer for both).
    InvalidInput
        A move the lifecycle does not allow; changes missing for 更正, or given otherwise.
    """
    found = store.get_nodes([objection_uid]).get(objection_uid)
    if found is None or found.label != "Objection" or not may_decide(found, agency, region):
        raise NotDecidable(message(NOT_THERE))
    step = transition(found, status, on, reason)
    if (status == CORRECTED) != bool(changes):
        raise InvalidInput(message("objection.error.changes_only_corrected"))

    def unchanged(existing: Mapping[str, Node]) -> None:
        now = existing.get(objection_uid)
        if now is None or now.props.get("status") != found.props.get("status"):
            raise InvalidInput(message("objection.error.decided_meanwhile"))

    correction = None
    if status == CORRECTED:
        record = resolve_record(store, found.props.get("record_uid") or found.props.get("record"))
        if record is None:
            raise InvalidInput(message("objection.error.record_not_stored",
                                       record=found.props.get("record")))
        kind = kind_of(record.label)
        row = correction_row(record, changes, found.key, list(kinds()[kind].columns))
        correction = write_records(store, secret, kind, [row], agency=agency, source=source,
                                   guard=lambda existing: unchanged(store.get_nodes([objection_uid]))
                                   ).nodes[0]
        step["correction"] = correction.uid
    updated = amend_records(store, "objections", [found.key], step, agency=agency,
                            source=source, guard=unchanged)[0]
    return updated, correction
