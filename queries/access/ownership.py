"""Whose record it is: a key writes only records of its own agency.

A record (a list entry, a commitment, a repair, ...) belongs to the agency that issued it:
its ``agency_region`` and its ``agency`` name.  A key of agency A in region R may create a
record, or change one, only where no record of another agency has that key:

* records are keyed with the issuing agency's region (a list entry by kind, subject,
  region and day; a commitment by subject, kind, region and day), so a partner city's
  record about the same subject on the same day is a record of its own, never the other
  city's overwritten;
* where two agencies of one region would meet on one key, the second is refused
  (:func:`foreign_records`): a record is never changed by an agency that did not issue it.

The API checks this inside the write (see :func:`loaders.write.write_rows`'s ``guard``), so
two writers racing on one key cannot both pass it.

>>> from graph_model.store.port import Node
>>> entry = Node("ListEntry:重点监管|Vehicle:苏E1|320500|2026-01-01", "ListEntry",
...              {"agency": "苏州市交通运输局", "agency_region": "320500"})
>>> owned_by(entry, "苏州市 交通运输局", "320500"), owned_by(entry, "苏州市交通运输局", "320200")
(True, False)
"""

from __future__ import annotations

import unicodedata
from typing import Iterable, Mapping

from graph_model.store.port import Node

__all__ = ["fold_agency", "owned_by", "foreign_records"]


def fold_agency(name) -> str:
    """An agency's name as compared: NFKC, without white space (as the loaders key agencies)."""
    return "".join(unicodedata.normalize("NFKC", str(name or "")).split())


def owned_by(record: Node, agency: str, region: str) -> bool:
    """Whether ``record`` was issued by ``agency`` of ``region``: the same region, and the
    same agency name where the record names one (a record loaded without an agency name
    belongs to its region's agencies)."""
    props = record.props
    if str(props.get("agency_region") or "") != region:
        return False
    named = props.get("agency")
    return not named or fold_agency(named) == fold_agency(agency)


def foreign_records(existing: Mapping[str, Node] | Iterable[Node], agency: str,
                    region: str) -> list[str]:
    """The uids of the records among ``existing`` that another agency issued."""
    nodes = existing.values() if isinstance(existing, Mapping) else existing
    return sorted(n.uid for n in nodes if not owned_by(n, agency, region))
