"""The errors creditkb raises on purpose: one root, four kinds that say whose move it is.

* :class:`UserError`: the request cannot be answered as asked (a malformed identifier,
  date, region or page size, an unknown subject, a missing command-line argument): the
  caller fixes the request.  Also a :class:`ValueError`, as such errors always were.
* :class:`DataError`: data creditkb reads is wrong (a file or row refused, a malformed
  schema or rule file, an edge naming a node that is not stored): someone fixes the data.
* :class:`ConflictError`: the request is well formed, but what is stored forbids it now
  (undoing a load that later loads build on).
* :class:`ForbiddenError`: the caller may not do this (no key, or outside its scope or role).

Errors of the stores themselves (unreachable, unreadable, not a creditkb store) are
:class:`graph_model.store.port.StoreError`, another :class:`CreditKBError`.  Anything
else that escapes is a bug: the command line and the API say so, and never blame the
user for it.
"""

from __future__ import annotations

__all__ = ["CreditKBError", "UserError", "DataError", "ConflictError", "ForbiddenError"]


class CreditKBError(Exception):
    """The root of every error creditkb raises on purpose."""


class UserError(CreditKBError, ValueError):
    """The request cannot be answered as asked; the message says what to change."""


class DataError(CreditKBError):
    """Data creditkb reads is wrong; the message names the file, row or record."""


class ConflictError(CreditKBError):
    """What is stored forbids the request now (a later load builds on the one to undo)."""


class ForbiddenError(CreditKBError):
    """The caller may not do this."""
