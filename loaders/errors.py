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


class FileRefused(LoadError):
    """A file with too many bad rows: nothing of it is committed, and ``summary`` (a
    :class:`loaders.load.FileSummary`) holds its rejects, for the report."""

    def __init__(self, path: str, reason: str, summary):
        super().__init__(path, reason)
        self.summary = summary
