"""Errors a load reports to the user: each names the file and, where there is one, the
row, the column and the reason."""

from __future__ import annotations

from graph_model.errors import DataError


class LoadError(DataError):
    """A whole file is refused; nothing of it is committed."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")
