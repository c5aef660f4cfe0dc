"""What a region's regulator has to do (issue 15, item 5): the dashboard's "to do" panel
puts beside the commitments due (:func:`queries.rules.commitments.commitments_due`) and the
repair reminders owed (:func:`queries.rules.reminders.repair_reminders`) the objections
waiting for an answer.

An objection waits while its status (处理状态, the schema's value set) is 受理 (accepted) or
核查中 (under review); it is the handling agency's to answer, so a region's list holds the
objections handled by its agencies (``agency_region`` in the region), as the objection
queue selects them (:mod:`queries.rules.objections`).

Examples
--------
The demo's Yangtze objection is under review at 长江航务管理局 (420100):

>>> [n.key for n in objections_waiting(store, "420000")]
['CJYY2026-0019']
>>> objections_waiting(store, "320200")  # Wuxi's was upheld: nothing waits
[]
"""

from __future__ import annotations

from graph_model.store.port import Node, Store
from queries.rules.objections import objections_of_region
from queries.versions import OPEN_STATUSES

__all__ = ["WAITING", "objections_waiting"]

#: the statuses of an objection not answered yet (受理 and 核查中: rule 21's open ones)
WAITING = OPEN_STATUSES


def objections_waiting(store: Store, region: str) -> list[Node]:
    """The objections handled by the agencies of ``region`` that wait for an answer,
    oldest filed first (the region's queue as :func:`queries.rules.objections.objection_queue`
    selects it, in filing order)."""
    found = objections_of_region(store, region, WAITING)
    return sorted(found, key=lambda n: (str(n.props.get("filed_on") or ""), n.uid))
