"""YAML data files, read one way: the schema, the file kinds, mapping profiles and the
rule data files.

Plain PyYAML silently keeps the last of two equal mapping keys, which turns "a scheme
that maps a grade twice" or "a column given twice" into a wrong answer instead of an
error; the loader here refuses them.  Dates stay strings: the modules that read them
parse them with a message of their own.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Mapping

import yaml

from graph_model.errors import DataError

__all__ = ["DataFileError", "parse", "read"]


class DataFileError(DataError):
    """A data file is malformed (a data error of the installation, not of the caller).

    ``where`` names the file and ``reason`` the problem; the message is both.
    """

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")


class _Duplicate(Exception):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that raises on a mapping key given twice."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise _Duplicate(f"key {key!r} is given twice (lines {seen[key].start_mark.line + 1} "
                             f"and {key_node.start_mark.line + 1})")
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)
_UniqueKeyLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(text: str, where: str) -> Mapping:
    """The YAML document ``text`` (named ``where`` in messages), which must be a mapping.

    Raises
    ------
    DataFileError
        For a YAML syntax error, a key given twice or a document that is not a mapping.

    Examples
    --------
    >>> parse("a: 1\\nb: 2024-01-01", "x.yaml")
    {'a': 1, 'b': '2024-01-01'}
    >>> parse("a: 1\\na: 2", "x.yaml")
    Traceback (most recent call last):
    ...
    graph_model.yamlfile.DataFileError: x.yaml: key 'a' is given twice (lines 1 and 2)
    """
    try:
        doc = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except _Duplicate as exc:
        raise DataFileError(where, str(exc)) from None
    except yaml.YAMLError as exc:
        raise DataFileError(where, f"not valid YAML: {exc}") from None
    if not isinstance(doc, Mapping):
        raise DataFileError(where, "the document must be a mapping")
    return doc


def read(source: str | Path | Traversable, where: str | None = None) -> Mapping:
    """:func:`parse` of a file (a path, or a package resource); ``where`` defaults to its
    path.  A file that cannot be read is a :class:`DataFileError` too."""
    where = where or str(source)
    try:
        text = (Path(source) if isinstance(source, str) else source).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(where, f"cannot be read ({exc})") from None
    return parse(text, where)
