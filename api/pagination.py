"""Relay cursor connections: the generic types, and one way to cut a page and say where
it ends.

A list is paged by position (:func:`paginate`: cursors are offsets into a list held in
full) or by key (a query that pages itself and hands back where to continue); either way
the page's :class:`PageInfo` comes from :func:`page_info`.
"""

from __future__ import annotations

from typing import Callable, Generic, Sequence, TypeVar

import strawberry

from api.limits import encode_cursor, offset_cursor, page_size

T = TypeVar("T")
X = TypeVar("X")


@strawberry.type(description="Where a page of a connection ends (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="An item of a connection and its cursor.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list (Relay cursor connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        default=None, description="Items in the whole list, where known")


def page_info(has_next: bool, has_previous: bool, edges: Sequence = (),
              cursors: tuple[str | None, str | None] | None = None) -> PageInfo:
    """The PageInfo of a page: its first and last cursors are those of ``edges`` (each with
    a ``cursor``), or ``cursors`` where the page's positions are not its edges' (a page
    whose hidden items still count)."""
    if cursors is None:
        cursors = (edges[0].cursor, edges[-1].cursor) if edges else (None, None)
    return PageInfo(has_next_page=has_next, has_previous_page=has_previous,
                    start_cursor=cursors[0], end_cursor=cursors[1])


def paginate(items: Sequence[X], kind: str, first: int | None, after: str | None,
             edge: Callable[[str, X], T]) -> tuple[list[T], PageInfo]:
    """The page of a list held in full that ``first`` and ``after`` ask for: its edges
    (``edge(cursor, item)``, cursors being positions in ``items``) and its PageInfo."""
    n = page_size(first)
    start = offset_cursor(kind, after)
    edges = [edge(encode_cursor(kind, start + i), x)
             for i, x in enumerate(items[start:start + n])]
    return edges, page_info(start + n < len(items), start > 0, edges)


def connection(items: Sequence[X], kind: str, first: int | None, after: str | None,
               convert: Callable[[X], T] = lambda x: x, total: int | None = None) -> Connection:
    """A :class:`Connection` over a list held in full."""
    edges, info = paginate(items, kind, first, after, lambda c, x: Edge(cursor=c, node=convert(x)))
    return Connection(edges=edges, page_info=info,
                      total_count=len(items) if total is None else total)
