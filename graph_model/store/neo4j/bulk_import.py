"""``creditkb export --neo4j-import DIR``: an embedded store as the CSV files of
``neo4j-admin database import full``, for a first national load into Neo4j (issue 19).

Loading millions of rows through the driver costs a transaction's bookkeeping per row
(closing note: 747 rows/s at scale 0.1); the offline importer writes the store files
directly.  The files give the database the layout of the Neo4j adapter
(:mod:`graph_model.store.neo4j.store`), so it opens the imported database as one it
loaded itself, and later daily exports load through the driver as before:

* ``nodes-<Label>.csv``: every node with its labels (the schema's and ``:Node``), ``uid``
  and properties, and its ``_sources``;
* ``edges-<TYPE>.csv``: the traversal edges with their properties and ``_sources``;
  ``links-<TYPE>.csv``: a record's one-per-source relationships (its subject, agency,
  repaired penalty), which carry nothing of their own;
* ``loads.csv``, ``meta.csv``: the loads recorded, the load sequence and the secret's
  fingerprint.  Undo journals are not carried over: a load imported cannot be undone in
  Neo4j (undo it in the embedded store and export again);
* ``import.args``: the importer's arguments, one a line (``neo4j-admin database import
  full @DIR/import.args``).

Column types come from graph_model/schema.yaml (``number`` a double, ``integer`` a long,
``list`` a string array, dates and codes strings, as both stores keep them); a property
the schema does not name takes the JSON type it is stored with.  Array items are split on
U+001F, which no exported text holds, and fields may span lines.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from graph_model.csv_safety import to_machine_csv
from graph_model.schema import schema
from graph_model.store.embedded import sql
from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.neo4j.cypher import (
    LOAD_LABEL, META_LABEL, NODE_LABEL, SEQUENCE_LABEL, SOURCES,
)

ARRAY_DELIMITER = "\x1f"
SCHEMA_TYPES = {"number": "double", "integer": "long", "list": "string[]"}
JSON_TYPES = {"integer": "long", "real": "double", "text": "string", "array": "string[]",
              "true": "boolean", "false": "boolean"}
ROWS = 50_000  # rows read and written at a time
BOOKKEEPING = "Bookkeeping"  # the ID space of the load and meta nodes


def _types(con: sqlite3.Connection, declared: dict[str, str], query: str, args: tuple) -> dict[str, str]:
    """Column types: the schema's for the properties it declares, else each stored JSON
    type (a property stored as both an integer and a real is a double)."""
    out = {name: SCHEMA_TYPES.get(t, "string") for name, t in declared.items()}
    for key, jtype in con.execute(query, args):
        if key in declared or key == SOURCES:
            continue
        t = JSON_TYPES.get(jtype, "string")
        out[key] = "double" if {out.get(key), t} == {"long", "double"} else out.get(key, t)
    return out


def _cell(value, typ: str):
    if value is None:
        return None
    if typ.endswith("[]"):
        return ARRAY_DELIMITER.join(str(v) for v in value)
    if typ == "boolean":
        return "true" if value else "false"
    return value


def _write(path: Path, header: list[str], rows: Iterator[list]) -> int:
    """Write ``rows`` under ``header``, ROWS at a time; the number written."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\n")
        batch: list[list] = []
        for row in rows:
            batch.append(row)
            if len(batch) == ROWS:
                to_machine_csv(pd.DataFrame(batch, dtype=object), fh)
                n += len(batch)
                batch = []
        if batch:
            to_machine_csv(pd.DataFrame(batch, dtype=object), fh)
            n += len(batch)
    return n


def _props_rows(cursor: Iterable[tuple], keys: list[str], types: dict[str, str]) -> Iterator[list]:
    """``[*ends, prop cells..., sources]`` for each (ends..., props JSON) row."""
    for *ends, text in cursor:
        props = json.loads(text)
        yield [*ends, *(_cell(props.get(k), types[k]) for k in keys),
               _cell(props.get(SOURCES), "string[]")]


def export(store: EmbeddedStore, out: str | Path, database: str = "neo4j") -> dict[str, int]:
    """Write the import files of ``store`` into ``out``; rows written per file."""
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(f"file:{store.db_path}?mode=ro", uri=True)
    s = schema()
    written: dict[str, int] = {}
    args = ["--id-type=string", "--array-delimiter=U+001F", "--multiline-fields=true",
            "--overwrite-destination=true", f"--report-file={out / 'import.report'}"]
    try:
        for name, label in s.labels.items():
            lo, hi = sql.label_range(name)
            declared = {p: prop.type for p, prop in label.properties.items()}
            types = _types(con, declared, "SELECT DISTINCT j.key, j.type FROM nodes n, "
                           "json_each(n.props) j WHERE n.uid >= ? AND n.uid < ?", (lo, hi))
            keys = sorted(types)
            header = [f"uid:ID({NODE_LABEL})", *(f"{k}:{types[k]}" for k in keys),
                      f"{SOURCES}:string[]"]
            path = out / f"nodes-{name}.csv"
            written[path.name] = _write(path, header, _props_rows(con.execute(
                "SELECT uid, props FROM nodes WHERE uid >= ? AND uid < ? ORDER BY uid", (lo, hi)),
                keys, types))
            args.append(f"--nodes={NODE_LABEL}:{name}={path}")
        for name, rel in s.relationships.items():
            path = out / f"{'links' if name in sql.LINKS else 'edges'}-{name}.csv"
            ends = f"FROM nodes s JOIN nodes d ON d.nid = s.{sql.LINKS[name]}" if name in sql.LINKS \
                else "FROM edges e JOIN nodes s ON s.nid = e.src JOIN nodes d ON d.nid = e.dst"
            if name in sql.LINKS:
                rows = (list(r) for r in con.execute(f"SELECT s.uid, d.uid {ends} ORDER BY s.uid"))
                header = [f":START_ID({NODE_LABEL})", f":END_ID({NODE_LABEL})"]
            else:
                declared = {p: prop.type for p, prop in rel.properties.items()}
                types = _types(con, declared, "SELECT DISTINCT j.key, j.type FROM edges e, "
                               "json_each(e.props) j WHERE e.type = ?", (name,))
                keys = sorted(types)
                header = [f":START_ID({NODE_LABEL})", f":END_ID({NODE_LABEL})",
                          *(f"{k}:{types[k]}" for k in keys), f"{SOURCES}:string[]"]
                rows = _props_rows(con.execute(
                    f"SELECT s.uid, d.uid, e.props {ends} WHERE e.type = ? ORDER BY e.eid", (name,)),
                    keys, types)
            written[path.name] = _write(path, header, rows)
            args.append(f"--relationships={name}={path}")
        loads = con.execute("SELECT load_id, info, status, seq FROM loads ORDER BY seq").fetchall()
        path = out / "loads.csv"
        written[path.name] = _write(path, [f":ID({BOOKKEEPING})", "load_id:string", "info:string",
                                           "status:string", "seq:long"],
                                    ([f"load:{lid}", lid, info, status, seq]
                                     for lid, info, status, seq in loads))
        args.append(f"--nodes={LOAD_LABEL}={path}")
        fingerprint = con.execute("SELECT v FROM meta WHERE k = 'secret_fingerprint'").fetchone()
        path = out / "meta.csv"
        written[path.name] = _write(path, [f":ID({BOOKKEEPING})", ":LABEL", "name:string",
                                           "secret_fingerprint:string", "version:long", "seq:long"], iter([
            ["meta:store", META_LABEL, "store", fingerprint[0] if fingerprint else None, 1, None],
            ["meta:loads", SEQUENCE_LABEL, "loads", None, None, max((r[3] for r in loads), default=0)],
        ]))
        args.append(f"--nodes={path}")
    finally:
        con.close()
    # the database first: after a --nodes or --relationships (which take several files)
    # the importer would read it as one more file
    (out / "import.args").write_text("\n".join([database] + args) + "\n", encoding="utf-8")
    return written
