"""Writing a few rows by hand (the API's mutations) exactly as a load writes a file.

Rows are checked like loaded rows (identifiers, dates, value sets, references to stored
subjects and penalties, the data-quality rules), built into nodes and relationships by
the loaders' builders and committed as a load of their own, named ``source`` with the
agency recorded: ``creditkb loads`` lists it and ``creditkb loads undo`` takes it back.

A resident ID number written into a text field is masked before it is stored, as a load
masks it (:mod:`loaders.free_text`), and said so in the findings :func:`write_records`
returns.  A ``guard`` sees the stored records the write would change, inside the write's
transaction, and may refuse them (the API's check that a record is the writer's own).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from graph_model.errors import UserError
from graph_model.schema import schema
from graph_model.store.port import LoadInfo, Node, Store
from loaders.build import build
from loaders.kinds import kinds
from loaders.load import Checks, RowRules, _check_chunk
from loaders.quality import Finding, QualityState
from loaders.validate import FIRST_DATA_ROW, validate

__all__ = ["RowsRefused", "Written", "Guard", "IN_TRANSACTION", "write_rows", "write_records",
           "amend_records"]

#: Sees the stored nodes a write would change (by uid; those that exist) inside its
#: transaction, and raises to refuse the write.
Guard = Callable[[Mapping[str, Node]], None]

#: Set by a caller that answers by a deadline (the API, api.context.writing): called in
#: each write's transaction once it holds the store's write lock, before anything is
#: written.  What it raises gives the write up, so nothing is written: a write that
#: waited for the lock past its caller's deadline does not commit after the caller has
#: answered TIMEOUT.
IN_TRANSACTION: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "creditkb_in_transaction", default=None)


def _holding_lock() -> None:
    """Inside a write's transaction: let the caller give the write up (IN_TRANSACTION)."""
    claim = IN_TRANSACTION.get()
    if claim is not None:
        claim()


class RowsRefused(UserError):
    """Rows that do not pass the loaders' checks; the message gives each column's reasons."""

    def __init__(self, rejects: Iterable[pd.DataFrame]):
        parts = [f"{r.column}: {r.reason}" for frame in rejects
                 for r in frame.itertuples(index=False)]
        super().__init__("; ".join(dict.fromkeys(parts)) or "the row was refused")


def _load(source: str, kind_name: str, agency: str | None, rows: int) -> LoadInfo:
    return LoadInfo(load_id="api-" + secrets.token_hex(8), file=source, kind=kind_name,
                    started_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                    agency=agency, rows_read=rows, rows_loaded=rows)


@dataclass(frozen=True)
class Written:
    """What :func:`write_records` wrote: the record nodes as stored, and the data-quality
    findings of the rows (a resident ID number masked in a text field, ...)."""

    nodes: list[Node]
    findings: list[Finding]


def write_rows(store: Store, secret: str, kind_name: str, rows: list[Mapping[str, Any]], *,
               agency: str | None, source: str, rules: RowRules | None = None) -> list[Node]:
    """Check and write ``rows`` (exchange-format columns of ``kind_name``) as one load;
    the record nodes written (see :func:`write_records`)."""
    return write_records(store, secret, kind_name, rows, agency=agency, source=source,
                         rules=rules).nodes


def write_records(store: Store, secret: str, kind_name: str, rows: list[Mapping[str, Any]], *,
                  agency: str | None, source: str, guard: Guard | None = None,
                  rules: RowRules | None = None) -> Written:
    """Check and write ``rows`` (exchange-format columns of ``kind_name``) as one load.
    ``rules``: the rules rows must keep beyond their columns (see
    :data:`loaders.load.RowRules`); a row breaking one is refused.

    Raises
    ------
    RowsRefused
        When a row does not pass the checks; nothing is written then.  What ``guard``
        raises is raised too, and nothing is written.
    """
    kind = kinds()[kind_name]
    chunk = pd.DataFrame([{k: v for k, v in row.items() if v is not None} for row in rows],
                         dtype="string")
    state = QualityState()
    df, bad = _check_chunk(store, source, kind, chunk, secret, state, checks=Checks(rules or {}))
    rejected = [b for b in bad if len(b)]
    if rejected or len(df) < len(rows):
        raise RowsRefused(rejected)
    nodes, edges = build(kind, df, secret).merged()
    written = [f for label, f in nodes if label == kind.label][0]
    uids = [f"{kind.label}:{k}" for k in written.iloc[:, 0]]
    info = _load(source, kind_name, agency, len(rows))
    with store.transaction(info) as tx:
        _holding_lock()
        if guard is not None:
            guard(store.get_nodes(uids))  # inside the transaction: no writer comes between
        for label, frame in nodes:
            tx.upsert_nodes(label, frame)
        for rel, frame in edges:
            tx.upsert_edges(rel, frame)
        tx.finish_load(info)
    return Written(list(store.get_nodes(uids).values()), state.findings())


def amend_records(store: Store, kind_name: str, keys: list[str], changes: Mapping[str, str], *,
                  agency: str | None, source: str, guard: Guard | None = None) -> list[Node]:
    """Set ``changes`` (exchange-format columns of ``kind_name``, each checked as loaded) on
    the stored records keyed ``keys``, as one load; the records as they are then.

    Raises
    ------
    RowsRefused
        When a value does not pass its column's check; nothing is written then.  What
        ``guard`` raises is raised too (it sees the records as stored: none when missing),
        and nothing is written.
    """
    kind = kinds()[kind_name]
    checked = validate(source, pd.DataFrame({c: [v] * len(keys) for c, v in changes.items()},
                                            dtype="string"), kind)
    if len(checked.rejects):
        raise RowsRefused([checked.rejects])
    label = kind.label
    frame = pd.DataFrame({schema().label(label).key: keys,
                          **{c: [v] * len(keys) for c, v in changes.items()},
                          "_row": range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(keys))})
    info = _load(source, kind_name, agency, len(keys))
    uids = [f"{label}:{k}" for k in keys]
    with store.transaction(info) as tx:
        _holding_lock()
        if guard is not None:
            guard(store.get_nodes(uids))  # inside the transaction: no writer comes between
        tx.upsert_nodes(label, frame)
        tx.finish_load(info)
    found = store.get_nodes(uids)
    return [found[u] for u in uids]
