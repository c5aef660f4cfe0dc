"""Issued reports and their verification.

A report that is handed out is recorded: a ``CreditReport`` record (number, question,
viewer, store version, SHA-256 of the canonical JSON and of its sections) written through
the loaders' write path by the caller (the API or the CLI, :func:`report_row` gives the
row), so its provenance is a load like any other and ``creditkb loads undo`` takes it
back.  :func:`verify_report` answers for a printed report:

* **genuine** — a report of that number was issued and its SHA-256 is the one given;
* **current** — the same question asked of the store now gives the same sections (the
  viewer's scope included): nothing it says has changed since.

Examples
--------
    >>> from queries.reports import Viewer, credit_report
    >>> r = credit_report(store, "Enterprise:91320211MA1Y4E9K0R", "320200", "2024-01-01",
    ...                   Viewer("320200", "regulator"))
    >>> sorted(report_row(r, dt.date(2024, 1, 2)))[:3]
    ['as_of', 'content_sha256', 'issued_on']
    >>> verify_report(store, r.number, r.sha256).genuine  # not issued: nothing recorded
    False
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass

from graph_model.i18n import message
from graph_model.store.port import Store
from queries.dates import InvalidInput
from queries.reports.canonical import canonical_json, sha256_hex
from queries.reports.report import CreditReport, Viewer, report_body
from queries.rules.jurisdiction import record_date

__all__ = ["report_row", "Verification", "verify_report", "NUMBER", "issued_record"]

#: What a report number looks like (:func:`queries.reports.report.report_number`).
NUMBER = re.compile(r"^CR-\d{8}-[0-9A-F]{16}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def report_row(report: CreditReport, issued_on: dt.date) -> dict:
    """The ``credit_reports`` row that records ``report`` as issued on ``issued_on``."""
    head = report.doc["report"]
    return {"report_no": report.number, "subject_uid": report.doc["subject"]["id"],
            "region": head["region"], "as_of": head["as_of"],
            "store_version": head["store_version"], "sha256": report.sha256,
            "content_sha256": report.content_sha256,
            "viewer_region": head["viewer"]["region"], "viewer_role": head["viewer"]["role"],
            "viewer_agency": head["viewer"]["agency"], "issued_on": issued_on.isoformat()}


def issued_record(store: Store, number: str):
    """The CreditReport record of ``number``, or None (also for a malformed number)."""
    if not isinstance(number, str) or not NUMBER.match(number.strip()):
        return None
    uid = f"CreditReport:{number.strip()}"
    return store.get_nodes([uid]).get(uid)


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_report` found: ``genuine`` (issued, with that hash) and
    ``current`` (its sections unchanged on the store now; False when not genuine), the
    day it describes and the day it was issued (None when not genuine), and why."""

    number: str
    genuine: bool
    current: bool
    as_of: dt.date | None
    issued_on: dt.date | None
    store_version: str | None
    explanation: str


def verify_report(store: Store, number: str, sha256: str) -> Verification:
    """Whether the report ``number`` with SHA-256 ``sha256`` is genuine and still current.

    Raises
    ------
    InvalidInput
        For a SHA-256 that is not 64 hex digits.
    """
    given = (sha256 or "").strip().lower()
    if not _SHA.match(given):
        raise InvalidInput(message("report.verify.bad_sha256"))
    rec = issued_record(store, number)
    if rec is None or not hmac.compare_digest(str(rec.props.get("sha256")), given):
        # one answer for "no such report" and "another hash": either way not genuine
        return Verification(str(number)[:40], False, False, None, None, None,
                            message("report.verify.not_genuine"))
    p = rec.props
    as_of = record_date(rec, "as_of")
    viewer = Viewer(p["viewer_region"], p["viewer_role"], p.get("viewer_agency"))
    try:
        now = sha256_hex(canonical_json(report_body(store, p["subject_uid"], p["region"],
                                                    as_of, viewer)))
    except InvalidInput:  # the subject is gone, or out of the viewer's scope
        now = None
    current = now is not None and hmac.compare_digest(now, str(p.get("content_sha256")))
    # (report_body words the sections in the report's language, whatever the current one:
    # a copy printed in English is as current as the Chinese)
    why = message("report.verify.current" if current else "report.verify.changed")
    return Verification(rec.key, True, current, as_of, record_date(rec, "issued_on"),
                        str(p.get("store_version")), why)
