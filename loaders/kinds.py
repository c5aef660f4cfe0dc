"""The exchange format's file kinds, read from ``kinds.yaml`` and completed from the schema:
a column named like a property of its kind's label takes that property's type, required
flag and value set, and ``subject_kind`` columns take the schema's subject words."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from graph_model import yamlfile
from graph_model.dates import WINDOWS
from graph_model.schema import schema

#: the exchange format's subject words (对象类型) -> subject label
SUBJECT_KINDS: dict[str, str] = dict(schema().subject_kinds)


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: str = "string"
    required: bool = False
    values: tuple[str, ...] | None = None
    default: str | None = None
    item_type: str | None = None
    resolves: str | None = None  # a firm-name column standing in for this USCC column
    window: str = "event"  # a date's plausible window (graph_model.dates): event or term
    not_below: str | None = None  # a column of the row this value may not be below
    national: bool = False  # a list of region codes that may hold the nationwide code 100000


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    columns: dict[str, Column]
    #: the subject labels its records may be about (all four unless kinds.yaml says)
    subjects: tuple[str, ...] = tuple(SUBJECT_KINDS.values())

    def required(self) -> list[Column]:
        return [c for c in self.columns.values() if c.required]

    def stand_ins(self) -> dict[str, str]:
        """USCC column -> the name column that may stand in for it."""
        return {c.resolves: c.name for c in self.columns.values() if c.resolves}

    def header_map(self) -> dict[str, str]:
        """Accepted header -> column name (Chinese and English, case-insensitive English)."""
        out = {}
        for col in self.columns.values():
            out[col.header] = col.name
            out[col.name.lower()] = col.name
        return out


@cache
def kinds() -> dict[str, Kind]:
    doc = yamlfile.read(resources.files("loaders").joinpath("kinds.yaml"), "loaders/kinds.yaml")
    out = {}
    for name, spec in doc.items():
        label = schema().label(spec["label"])
        cols = {}
        for cname, c in spec["columns"].items():
            prop = label.properties.get(cname)
            cols[cname] = Column(
                name=cname,
                header=c["header"],
                type=c.get("type", prop.type if prop else "string"),
                required=c.get("required", prop.required if prop else False),
                values=_values(cname, c, prop),
                default=c.get("default"),
                item_type=c.get("item_type"),
                resolves=c.get("resolves"),
                window=c.get("window", "event"),
                not_below=c.get("not_below"),
                national=bool(c.get("national", False)),
            )
            if cols[cname].window not in WINDOWS:
                raise yamlfile.DataFileError("loaders/kinds.yaml",
                                             f"{name}.{cname}: window must be one of {WINDOWS}")
        _check_order(name, cols)
        subjects = tuple(spec.get("subjects") or SUBJECT_KINDS.values())
        if not set(subjects) <= set(SUBJECT_KINDS.values()):
            raise yamlfile.DataFileError("loaders/kinds.yaml", f"{name}.subjects: subject labels "
                                         f"only ({', '.join(SUBJECT_KINDS.values())})")
        out[name] = Kind(name, label.name, cols, subjects)
    return out


#: column types whose values can be ordered (``not_below``)
ORDERED_TYPES = ("date", "datetime", "number", "integer")


def _check_order(kind: str, cols: dict[str, Column]) -> None:
    for col in cols.values():
        other = cols.get(col.not_below) if col.not_below else None
        if col.not_below and (other is None or col.type not in ORDERED_TYPES
                              or other.type not in ORDERED_TYPES):
            raise yamlfile.DataFileError("loaders/kinds.yaml", f"{kind}.{col.name}: not_below "
                                         f"names a column of the kind, both {'/'.join(ORDERED_TYPES)}")


def _values(name: str, spec: dict, prop) -> tuple[str, ...] | None:
    if "values" in spec:
        return tuple(spec["values"])
    if name == "subject_kind":
        return tuple(SUBJECT_KINDS)
    return prop.values if prop else None


def guess_kind(headers: list[str]) -> str | None:
    """The kind whose required columns all appear among ``headers`` and which matches the
    most headers; None when no kind fits."""
    best, best_score = None, 0
    for kind in kinds().values():
        hmap = kind.header_map()
        named = {hmap.get(_norm(h)) for h in headers} - {None}
        stand_ins = kind.stand_ins()
        if all(c.name in named or stand_ins.get(c.name) in named for c in kind.required()):
            score = len(named)
            if score > best_score:
                best, best_score = kind.name, score
    return best


def _norm(header: str) -> str:
    h = str(header).strip().lstrip("\ufeff").rstrip("*").strip()
    return h if not h.isascii() else h.lower()
