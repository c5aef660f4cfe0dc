"""Records about records: what the store holds on a penalty beyond its subject's records
(the fine payments made on it, EXCHANGE_FORMAT.md ``fine_payments``, #2).

Examples
--------
On the demo data, 苏州恒通 paid the 100,000 yuan of its serious penalty in two
instalments::

    >>> [(p.props["paid_on"], p.props["amount"]) for p in payments_of(
    ...     store, ["苏州交罚〔2025〕0001234号"])["苏州交罚〔2025〕0001234号"]]
    [('2025-06-10', 50000), ('2025-07-10', 50000)]
"""

from __future__ import annotations

from typing import Iterable

from graph_model.store.port import Node, Store

__all__ = ["payments_of"]


def payments_of(store: Store, decision_numbers: Iterable[str]) -> dict[str, list[Node]]:
    """The fine payments recorded for each decision number that has any, oldest first
    (by day paid, then key); found by the indexed ``decision_no``, never by a scan."""
    wanted = sorted({str(n) for n in decision_numbers if n})
    out: dict[str, list[Node]] = {}
    if not wanted:
        return out
    for node in store.iter_nodes("FinePayment", {"decision_no": wanted}):
        out.setdefault(node.props.get("decision_no"), []).append(node)
    for nodes in out.values():
        nodes.sort(key=lambda n: (str(n.props.get("paid_on") or ""), n.uid))
    return out
