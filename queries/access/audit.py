"""What the audit log records of one operation, whatever carried it (an HTTP request, an
operation or a subscription event over WebSocket), allowed or denied.

An operation gathers an :class:`AuditTrail` while it runs: the root fields asked, the
subjects and records it read, wrote or was refused.  When it ends, :func:`audit_record`
makes the one row the log keeps (:meth:`queries.access.state.AccessStore.append_audit`
stores it): every operation gets a row, also one that read nothing (``me``) or failed.

No resident ID number reaches a row: a subject named as ``Person:<resident ID>`` is stored
as the uid the number stands for (``Person:<keyed hash>``, what the store keys the person
by), and any other number that could be one is masked (:func:`graph_model.personal_data.
redact_text`).

>>> t = AuditTrail(operations=["subject"])
>>> t.denied.add("Person:320583199209270735")
>>> r = audit_record(t, ["FORBIDDEN"], "http", secret="k")
>>> r.outcome, r.kind, r.subjects == r.denied
('forbidden', 'read', True)
>>> r.subjects[0] == "Person:" + protect_ric("320583199209270735", "k")[0]
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from graph_model.identifiers import RIC, IdentifierError, protect_ric
from graph_model.personal_data import mask_ric, redact_text

__all__ = ["AuditTrail", "AuditRecord", "audit_record", "outcome_of", "safe_ref", "TRANSPORTS"]

TRANSPORTS = ("http", "ws")

#: ``Person:`` followed by what could be a resident ID number rather than its hash.
_PERSON_NUMBER = re.compile(r"Person:([0-9\uff10-\uff19]{14,17}[0-9Xx\uff10-\uff19\uff38\uff58]?)"
                            r"(?![0-9A-Za-z])")


@dataclass
class AuditTrail:
    """What one operation asked, read, wrote and was refused, gathered while it runs."""

    operations: list[str] = field(default_factory=list)
    read: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)
    denied: set[str] = field(default_factory=set)
    #: "read", "write" (a mutation) or "subscribe"; set when the operation's type is known
    kind: str = "read"


@dataclass(frozen=True)
class AuditRecord:
    """One row of the audit log, before the key and time are added."""

    operation: str
    kind: str
    subjects: tuple[str, ...]  # every subject or record named: read, written or refused
    denied: tuple[str, ...]  # those refused
    outcome: str  # "ok", "forbidden", or another error code in lower case ("timeout", ...)
    transport: str


def outcome_of(codes: Iterable[str]) -> str:
    """The outcome of an operation answered with these error codes (``extensions.code``):
    ``ok`` without errors, ``forbidden`` when anything was refused, else the first code.

    >>> outcome_of([]), outcome_of(["BAD_USER_INPUT", "FORBIDDEN"]), outcome_of(["TIMEOUT"])
    ('ok', 'forbidden', 'timeout')
    """
    codes = [c for c in codes if c]
    if not codes:
        return "ok"
    if "FORBIDDEN" in codes:
        return "forbidden"
    return codes[0].lower()


def safe_ref(ref: str, secret: str) -> str:
    """A subject or record id as the audit log may keep it: a person named by a resident ID
    number becomes the uid that number hashes to, and any other number that could be one
    is masked.

    >>> safe_ref("Enterprise:91320506MA1MKT3P0P", "k")
    'Enterprise:91320506MA1MKT3P0P'
    >>> safe_ref("Person:32050219900101123", "k")  # not a valid number: masked
    'Person:320502***********'
    """
    def person(m: re.Match) -> str:
        try:
            return "Person:" + protect_ric(RIC.clean(m.group(1)), secret)[0]
        except (IdentifierError, ValueError):
            return "Person:" + mask_ric(m.group(1))

    return redact_text(_PERSON_NUMBER.sub(person, str(ref)))


def audit_record(trail: AuditTrail, error_codes: Iterable[str], transport: str, *,
                 secret: str) -> AuditRecord:
    """The row an operation leaves: its root fields, what it named, and its outcome from
    the error codes it was answered with."""
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {TRANSPORTS}, not {transport!r}")
    outcome = outcome_of(error_codes)
    refused = trail.denied | (trail.written if outcome == "forbidden" else set())
    denied = {safe_ref(r, secret) for r in refused}  # a refused write's targets too
    named = {safe_ref(r, secret) for r in trail.read | trail.written} | denied
    if denied and outcome == "ok":
        outcome = "forbidden"  # refused quietly (a subject left out of an answer)
    return AuditRecord(operation=",".join(dict.fromkeys(trail.operations)) or "-",
                       kind=trail.kind, subjects=tuple(sorted(named)),
                       denied=tuple(sorted(denied)), outcome=outcome, transport=transport)
