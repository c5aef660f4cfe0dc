"""The graph schema, read once from ``schema.yaml``.

Every other part of creditkb asks this module what exists: which labels, which key
property identifies a node of a label, which relationship types may join which labels,
which properties are required or indexed.  Nothing else spells these out again.

A node's identity across the whole graph is its *uid*: ``"<Label>:<key>"``, for example
``"Enterprise:91320500MA1MXXXX6X"``.  Both stores use it as the node's primary key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Mapping

from graph_model import yamlfile
from graph_model.errors import DataError

VALUE_TYPES = frozenset({"string", "date", "datetime", "number", "integer", "list"})
LABEL_KINDS = frozenset({"subject", "context", "record"})


class SchemaError(DataError, ValueError):
    """The schema file itself is inconsistent, or a label or relationship type asked for
    is not in it (a ValueError too: callers passed an unknown name)."""


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    required: bool = False
    index: bool = False
    doc: str = ""
    values: tuple[str, ...] | None = None  # a closed value set (see graph_model.enums)
    personal: bool = False  # tells about a person other than the record's subject


@dataclass(frozen=True)
class Label:
    name: str
    kind: str
    in_graph: bool
    key: str
    doc: str
    properties: Mapping[str, Property]
    #: compound indexes: property tuples, leading property first (``indexes`` in the file)
    indexes: tuple[tuple[str, ...], ...] = ()
    #: properties whose index a store made before drops (``retired_indexes`` in the file)
    retired_indexes: tuple[str, ...] = ()

    @property
    def is_subject(self) -> bool:
        return self.kind == "subject"

    def uid(self, key: str) -> str:
        return f"{self.name}:{key}"

    def required(self) -> list[str]:
        return [p.name for p in self.properties.values() if p.required]

    def indexed(self) -> list[str]:
        return [p.name for p in self.properties.values() if p.index and p.name != self.key]


@dataclass(frozen=True)
class RelType:
    name: str
    doc: str
    from_labels: tuple[str, ...]
    to_labels: tuple[str, ...]
    properties: Mapping[str, Property]
    one_per_source: bool = False  # at most one per source node; a new one replaces it

    @property
    def in_graph(self) -> bool:
        """True when both ends are topology nodes (so the edge lives in the traversal graph)."""
        return self.in_graph_of(schema().labels)

    def in_graph_of(self, labels: Mapping[str, "Label"]) -> bool:
        return all(labels[x].in_graph for x in self.from_labels + self.to_labels)


@dataclass(frozen=True)
class Schema:
    labels: Mapping[str, Label]
    relationships: Mapping[str, RelType]
    identifier_types: frozenset[str] = field(default_factory=frozenset)
    #: the exchange format's word for each subject label (企业 -> Enterprise), in its order
    subject_kinds: Mapping[str, str] = field(default_factory=dict)

    def label(self, name: str) -> Label:
        try:
            return self.labels[name]
        except KeyError:
            raise SchemaError(f"unknown label {name!r}; known: {', '.join(self.labels)}") from None

    def rel(self, name: str) -> RelType:
        try:
            return self.relationships[name]
        except KeyError:
            raise SchemaError(
                f"unknown relationship type {name!r}; known: {', '.join(self.relationships)}"
            ) from None

    def subject_labels(self) -> list[str]:
        return [n for n, lab in self.labels.items() if lab.is_subject]

    def graph_rel_types(self) -> list[str]:
        """Relationship types kept in the in-memory traversal graph, in schema order."""
        return [n for n, r in self.relationships.items() if r.in_graph]

    def link_rel_types(self) -> list[str]:
        """Relationship types a source node has at most one of (``one_per_source``)."""
        return [n for n, r in self.relationships.items() if r.one_per_source]

    def record_rel_types(self) -> list[str]:
        return [n for n, r in self.relationships.items() if not r.in_graph]


def split_uid(uid: str) -> tuple[str, str]:
    """``"Vehicle:苏E12345"`` -> ``("Vehicle", "苏E12345")``; the label must exist."""
    label, sep, key = uid.partition(":")
    if not sep or not key:
        raise SchemaError(f"{uid!r} is not a node id of the form Label:key")
    schema().label(label)
    return label, key


def _props(raw: Mapping | None, known_types: frozenset[str], where: str) -> dict[str, Property]:
    out = {}
    for name, spec in (raw or {}).items():
        ptype = spec.get("type", "string")
        if ptype not in known_types:
            raise SchemaError(f"{where}.{name}: unknown type {ptype!r}")
        out[name] = Property(
            name=name,
            type=ptype,
            required=bool(spec.get("required", False)),
            index=bool(spec.get("index", False)),
            doc=spec.get("doc", ""),
            values=_value_set(spec.get("values"), ptype, f"{where}.{name}"),
            personal=bool(spec.get("personal", False)),
        )
    return out


def _value_set(raw, ptype: str, where: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if ptype != "string" or not isinstance(raw, list) or not raw or not all(
            isinstance(v, str) and v for v in raw) or len(set(raw)) != len(raw):
        raise SchemaError(f"{where}: values must be distinct non-empty strings, of a string "
                          f"property")
    return tuple(raw)


def _compound_indexes(raw, props: Mapping[str, Property], where: str) -> tuple[tuple[str, ...], ...]:
    out = []
    for i, names in enumerate(raw or []):
        if (not isinstance(names, list) or len(names) < 2 or len(set(names)) != len(names)
                or not all(n in props for n in names)):
            raise SchemaError(f"{where}.indexes[{i}]: a compound index names two or more "
                              f"distinct properties of the label")
        out.append(tuple(names))
    return tuple(out)


def _retired_indexes(raw, props: Mapping[str, Property], where: str) -> tuple[str, ...]:
    for i, name in enumerate(raw or []):
        if name not in props or props[name].index:
            raise SchemaError(f"{where}.retired_indexes[{i}]: a retired index names a property "
                              f"of the label that is not indexed")
    return tuple(raw or ())


def parse_schema(doc: Mapping, identifier_types: frozenset[str]) -> Schema:
    """Build and check a :class:`Schema` from the parsed YAML document."""
    known = VALUE_TYPES | identifier_types
    labels = {}
    for name, spec in doc["labels"].items():
        if spec.get("kind") not in LABEL_KINDS:
            raise SchemaError(f"label {name}: kind must be one of {sorted(LABEL_KINDS)}")
        props = _props(spec.get("properties"), known, name)
        key = spec["key"]
        if key not in props or not props[key].required:
            raise SchemaError(f"label {name}: key {key!r} must be a required property")
        labels[name] = Label(
            name=name,
            kind=spec["kind"],
            in_graph=bool(spec.get("in_graph", False)),
            key=key,
            doc=spec.get("doc", ""),
            properties=props,
            indexes=_compound_indexes(spec.get("indexes"), props, name),
            retired_indexes=_retired_indexes(spec.get("retired_indexes"), props, name),
        )
    rels = {}
    for name, spec in doc["relationships"].items():
        ends = tuple(spec["from"]), tuple(spec["to"])
        for lab in ends[0] + ends[1]:
            if lab not in labels:
                raise SchemaError(f"relationship {name}: unknown label {lab!r}")
        rels[name] = RelType(
            name=name,
            doc=spec.get("doc", ""),
            from_labels=ends[0],
            to_labels=ends[1],
            properties=_props(spec.get("properties"), known, name),
            one_per_source=bool(spec.get("one_per_source", False)),
        )
        if rels[name].one_per_source and (rels[name].properties or rels[name].in_graph_of(labels)):
            raise SchemaError(f"relationship {name}: one_per_source is for relationships of "
                              f"records, with no properties")
    words = dict(doc.get("subject_kinds") or {})
    subjects = {n for n, lab in labels.items() if lab.is_subject}
    if sorted(words.values()) != sorted(subjects):
        raise SchemaError(f"subject_kinds must name each subject label once: {sorted(subjects)}")
    return Schema(labels=labels, relationships=rels, identifier_types=identifier_types,
                  subject_kinds=words)


@cache
def schema() -> Schema:
    """The schema of this installation (parsed once per process)."""
    from graph_model.identifiers import REGISTRY

    doc = yamlfile.read(resources.files("graph_model").joinpath("schema.yaml"),
                        "graph_model/schema.yaml")
    return parse_schema(doc, frozenset(REGISTRY))
