"""The public view of a firm (#14: Chongqing's merchant lookup code, 商户码, that anyone scans
to see a firm and its grade): its name, USCC, region, the grade its own region recognises,
and the public lists it is on — nothing personal, no penalty.

The lookup code is ``<USCC>-<tag>``, the tag an HMAC of the USCC under the store's secret
(:func:`lookup_code`).  A USCC is public, but which firms the store holds is not: without
the tag nobody can ask for a firm by guessing or enumerating USCCs, and a code that does not
check answers exactly like a firm that is not there (:func:`public_view` returns None for
both, after the same work for a well-formed code).  The code needs no index: the tag is
checked, then the firm read by its USCC.

Examples
--------
    >>> code = lookup_code("91320411250183647M", "demo-secret")
    >>> code.startswith("91320411250183647M-"), len(code.split("-")[1])
    (True, 12)
    >>> lookup_code("91320411250183647M", "demo-secret") == code
    True
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

from graph_model.store.port import Store
from queries.rules.jurisdiction import record_date, record_optional_date
from queries.rules.recognition import recognized_grade

__all__ = ["PUBLIC_LISTS", "PublicView", "lookup_code", "public_view", "check_code"]

#: The list kinds a public view shows (#14: the firm's standing as the public may know it;
#: key-supervision and attention lists are regulators' working lists, not published).
PUBLIC_LISTS = ("红名单", "守信激励", "严重失信")
_CODE = re.compile(r"^([0-9A-HJ-NP-RTUWXY]{18})-([A-Z2-7]{12})$")


def _tag(uscc: str, secret: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), b"creditkb-lookup|" + uscc.encode("ascii"),
                   hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:12]


def lookup_code(uscc: str, secret: str) -> str:
    """The firm's lookup code: its USCC and a tag only the store's secret makes (60 bits)."""
    return f"{uscc}-{_tag(uscc, secret)}"


def check_code(code: str, secret: str) -> str | None:
    """The USCC a lookup code names when its tag checks, else None."""
    m = _CODE.match(code.strip().upper()) if isinstance(code, str) and len(code) < 64 else None
    if m is None:
        return None
    uscc, tag = m.groups()
    return uscc if hmac.compare_digest(_tag(uscc, secret), tag) else None


@dataclass(frozen=True)
class PublicList:
    list_kind: str
    listed_on: dt.date
    agency: str | None


@dataclass(frozen=True)
class PublicView:
    """What anyone may see of a firm on ``as_of``."""

    name: str
    uscc: str
    region_code: str | None
    as_of: dt.date
    grade: str | None  # recognised by the firm's own region; None: no grade
    scheme: str | None
    grade_valid_to: dt.date | None
    grade_issued_by: str | None
    lists: tuple[PublicList, ...]


def public_view(store: Store, code: str, secret: str, as_of: dt.date) -> PublicView | None:
    """The public view of the firm a lookup code names, or None when the code does not
    check or names no firm in the store (one answer for both)."""
    uscc = check_code(code, secret)
    uid = f"Enterprise:{uscc or '000000000000000000'}"
    node = store.get_nodes([uid]).get(uid)  # read for a bad tag too: the same work
    if uscc is None or node is None:
        return None
    region = node.props.get("region_code")
    g = recognized_grade(store, uid, region, as_of) if region else None
    entries = store.records_about([uid], ["ListEntry"]).get(uid, [])
    lists = []
    for e in entries:
        removed = record_optional_date(e, "removed_on")
        if (e.props.get("list_kind") in PUBLIC_LISTS and record_date(e, "listed_on") <= as_of
                and (removed is None or removed > as_of)):
            lists.append(PublicList(e.props["list_kind"], record_date(e, "listed_on"),
                                    e.props.get("agency")))
    ev = g.evaluation if g is not None and g.found else None
    return PublicView(
        name=str(node.props.get("name") or uscc), uscc=uscc, region_code=region, as_of=as_of,
        grade=ev.grade if ev else None, scheme=ev.scheme if ev else None,
        grade_valid_to=ev.valid_to if ev else None, grade_issued_by=ev.agency if ev else None,
        lists=tuple(sorted(lists, key=lambda x: (x.list_kind, x.listed_on))))
