"""The embedded store's SQL: its tables, the journal triggers of loads, the property
indexes the schema asks for, and the longer statements of writes and undo.

A record's ``one_per_source`` relationships (its subject, its agency, the penalty a
repair repairs) are columns of its ``nodes`` row (see :data:`LINKS`); a monitoring alarm's
subject is also a row of its side table (:data:`SIDE_TABLE`).  Properties are JSON
text.  ``meta`` holds the store format and the ``generation`` and ``topology`` counters.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Iterator, Mapping, Sequence

from graph_model.schema import schema

#: "4": monitoring alarms' subject links are in the side table about_alarms, not the ABOUT
#: index (a store of "3" is moved there when opened: EmbeddedStore.ensure_schema)
STORE_FORMAT = "4"
FORMATS_MIGRATED = ("3",)
CHUNK = 10_000  # bound parameters per statement stay far below SQLite's 32,766

# Relationships a source node has at most one of (a record's ABOUT, ISSUED_BY, REPAIRS)
# are columns of the source row, named after the type: a record is then one row with its
# links instead of one row and two edge rows, each with its own indexes.
LINKS = {t: t.lower() for t in schema().link_rel_types()}

DDL = """
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
INSERT OR IGNORE INTO meta(k, v) VALUES ('generation', '0'), ('topology', '0'), ('format', '%(format)s'), ('changes_trimmed', '0');
-- AUTOINCREMENT: ids are never handed out twice, so the ids a load created are exactly
-- the range between the largest id before it and the largest after it.
-- A uid starts with its label ("Penalty:..."), so the uid index also serves a label's
-- rows in uid order (a range), and no (label, uid) index is kept.
CREATE TABLE IF NOT EXISTS nodes(
    nid INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    props TEXT NOT NULL%(links)s
);
CREATE TABLE IF NOT EXISTS edges(
    eid INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    src INTEGER NOT NULL REFERENCES nodes(nid),
    dst INTEGER NOT NULL REFERENCES nodes(nid),
    props TEXT NOT NULL,
    UNIQUE(src, type, dst)
);
CREATE INDEX IF NOT EXISTS edges_dst ON edges(dst, type);
CREATE TABLE IF NOT EXISTS loads(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    load_id TEXT NOT NULL UNIQUE,
    info TEXT NOT NULL,
    status TEXT NOT NULL,
    nid_lo INTEGER, nid_hi INTEGER,  -- nodes the load created: lo < nid <= hi
    eid_lo INTEGER, eid_hi INTEGER   -- edges likewise
);
-- One row per existing node ('n') or edge ('e') a load changed: its props before, and
-- for a node its link columns before (a JSON array in LINKS order).
CREATE TABLE IF NOT EXISTS journal(
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    old TEXT NOT NULL,
    old_links TEXT,
    PRIMARY KEY(seq, kind, id)
) WITHOUT ROWID;
-- What each commit touched, per generation, for answer caches (the feed reads the
-- change log below) (Store.changed_since): a uid written, a record's subject,
-- "<Label>:" for a label written, "*" for a commit that could touch anything (an undo,
-- a delete, a transaction past CHANGES_CAP).  Complete from generation touched_from on.
CREATE TABLE IF NOT EXISTS touched(
    gen INTEGER NOT NULL,
    uid TEXT NOT NULL,
    PRIMARY KEY(gen, uid)
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(k, v) SELECT 'touched_from', CAST(v AS INTEGER) + 1 FROM meta
    WHERE k = 'generation';
-- The change log (graph_model.store.port): one row per node a transaction wrote, deleted
-- or took back, inserted by that transaction.  AUTOINCREMENT: a position is never handed
-- out twice, also after the oldest rows are trimmed (meta.changes_trimmed: the last
-- position trimmed away).  ``about`` and ``gone`` are kept for nodes that went only;
-- a written node's are read from the node.
CREATE TABLE IF NOT EXISTS changes(
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    load_id TEXT,
    op TEXT NOT NULL,
    uid TEXT NOT NULL,
    about TEXT,
    gone TEXT
);
""" % {"format": STORE_FORMAT,
       "links": "".join(f",\n    {c} INTEGER REFERENCES nodes(nid)" for c in LINKS.values())}
# Only ABOUT is followed backwards (a subject's records), through one index made below
# (ABOUT_INDEX).  The other links are read from their record; undo and delete, which look
# for rows linking to given nodes, scan for them rather than have every record of a load
# write two more index entries.
DDL += "".join(f"DROP INDEX IF EXISTS nodes_{c};\n"  # kept by stores written before
               for c in LINKS.values())
# A subject's point entries by scheme and dates (Store.point_entries_about): a scorer reads
# only its scheme's entries up to its day, and a scheme run only those valid on the day;
# the entries left out are judged on this index alone, their rows never read.  (At scale 1
# other schemes' entries are 28 % of a Zhejiang ship's records, and the entries valid on a
# day 8 %.)
POINT_ENTRY_COLUMNS = {p: f"json_extract(props, '$.{p}')" for p in ("scheme", "valid_to", "occurred_on")}
# The same index also holds the other properties a ledger reads of an entry, as one JSON
# array (json_extract of their paths: exact whatever a value's type, null for one an entry
# lacks; one parse of the props at a write, where a column each took five), and its uid
# and label: a read asking only for those (Store.point_entries_about's props) is answered
# from the index alone, a subject's entries from one or two of its pages instead of a row
# each all over the file (the rows are never read: every column the statement asks for is
# in the index).  On the scale-1 store 170 bytes an entry with its pages, 3.56 GB for
# 21.0 million (the index of the three filter columns alone took about 71 bytes an entry).
POINT_ENTRY_VALUES = ("behaviour", "points", "description", "supersedes", "objection_no")
POINT_ENTRY_ARRAY = ("json_extract(props, " + ", ".join(f"'$.{p}'" for p in POINT_ENTRY_VALUES)
                     + ")")
POINT_ENTRY_INDEX_NAME = f"nodes_{LINKS['ABOUT']}_point_entries"
POINT_ENTRY_INDEX = (f"CREATE INDEX IF NOT EXISTS {POINT_ENTRY_INDEX_NAME} ON nodes("
                     f"{LINKS['ABOUT']}, {', '.join(POINT_ENTRY_COLUMNS.values())}, "
                     f"{POINT_ENTRY_ARRAY}, uid, label) "
                     f"WHERE label = 'PointEntry'")
DDL += POINT_ENTRY_INDEX + ";\n"


def point_entry_sql(expr: str, table: str) -> str:
    """An expression of the point-entry index (a :data:`POINT_ENTRY_COLUMNS` value or
    :data:`POINT_ENTRY_ARRAY`) on the records ``table`` of a query, spelled as SQLite must
    see it to match the index (the index's own text names ``props`` bare, and must stay
    byte-identical: :data:`RESHAPED` compares it)."""
    return expr.replace("props", f"{table}.props", 1)


#: GLOB of a date stored as ISO text (port.ISO_DAY)
ISO_DAY_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


def prop_sql(prop: str) -> str:
    """A property's value, as the indexes spell it (a query must spell it alike)."""
    return f"json_extract(props, '$.{prop}')"


# A subject's records of a label that a scorer filters by a few properties
# (Store.records_matching): those properties are columns of the label's side table (below),
# so SQLite judges each record there and reads the row only of one it keeps.  Monitoring
# alarms: a firm's vehicles have thousands, and #15's portrait takes only those not
# handled, turned into a case or offline (21 % at scale 1, where a top-5 % firm's vehicles
# have up to 10,000).
ABOUT_FILTERS = {"MonitoringAlarm": ("outcome", "kind")}
# The other properties a reader of such a label's records asks for (a ledger reads an
# alarm's date), held after the filtered ones, and the record's key (its uid after
# "<label>:"): Store.records_matching asking only for those reads a subject's alarms from
# the side table alone, from a few of its pages instead of a row each all over the file.
ABOUT_VALUES = {"MonitoringAlarm": ("occurred_at",)}


def about_held(label: str) -> tuple[str, ...]:
    """The properties of ``label``'s records its side table holds (filtered, then values)."""
    return (*ABOUT_FILTERS.get(label, ()), *ABOUT_VALUES.get(label, ()))


def about_answers(label: str, names: Sequence[str] | None, alts: Sequence | None) -> bool:
    """Whether the side table alone answers a read of ``label``'s records asking for the
    properties ``names`` (None: all) and testing ``alts`` (``port.RecordMatch``)."""
    held = set(about_held(label))
    return (label in ABOUT_VALUES and names is not None
            and {*names, *(p for t in alts or () for p in t.props())} <= held)


# Monitoring alarms' subject links are not in the ABOUT index but in a WITHOUT ROWID side
# table of their own, keyed (subject, nid), with the held properties and the key: at
# scale 1 there are 10.5 M alarms, hundreds per subject, and a load's inline index entry
# for each landed on a random page of a large B-tree (11-15 us a row, about half the
# alarms file's writing).  A load's new alarms are put there in key order instead, from
# the rows just written, every FILL_EVERY alarms and before its commit (writer.fill_side):
# 5-6 us a row.  The table holds exactly what the index held for them: one row per alarm
# with a subject, its values as json_extract reads them from the props.
SIDE_LABEL = "MonitoringAlarm"
SIDE_TABLE = "about_alarms"
assert set(ABOUT_FILTERS) == set(ABOUT_VALUES) == {SIDE_LABEL}  # (one side table)
SIDE_HELD = about_held(SIDE_LABEL)
SIDE_COLUMNS = ("about", "nid", *SIDE_HELD, "key")
# (A PRIMARY KEY column of a WITHOUT ROWID table may not be NULL: the held values, which
# an alarm may lack, are not in the key.)
SIDE_TABLE_SQL = (f"CREATE TABLE IF NOT EXISTS {SIDE_TABLE}(\n    about INTEGER NOT NULL,\n"
                  f"    nid INTEGER NOT NULL,\n" + "".join(f"    {c},\n" for c in (*SIDE_HELD, "key"))
                  + "    PRIMARY KEY(about, nid)\n) WITHOUT ROWID")
DDL += SIDE_TABLE_SQL + ";\n"
#: a read's term that keeps the side label's records out (see ABOUT_INDEX)
NOT_SIDE = f"label <> '{SIDE_LABEL}'"


def side_values(row: str) -> str:
    """The side table's columns (SIDE_COLUMNS) of the nodes row ``row`` (a table alias, or
    a trigger's ``new``)."""
    return ", ".join([f"{row}.{LINKS['ABOUT']}", f"{row}.nid",
                      *(f"json_extract({row}.props, '$.{p}')" for p in SIDE_HELD),
                      f"substr({row}.uid, {len(SIDE_LABEL) + 2})"])


#: the side rows of the alarms with nid > ? (a load's, written since the last fill), in
#: key order: the table's new rows are read in nid order (pages just written) and the side
#: table's pages are each written once, in order
SIDE_FILL = (f"INSERT INTO {SIDE_TABLE}({', '.join(SIDE_COLUMNS)}) SELECT {side_values('n')} "
             f"FROM nodes n WHERE n.nid > ? AND n.label = '{SIDE_LABEL}' "
             f"AND n.{LINKS['ABOUT']} IS NOT NULL ORDER BY 1, 2")


def side_gone(where: str) -> str:
    """The statement deleting the side rows of the nodes ``n`` that ``where`` picks
    (before they go)."""
    return (f"DELETE FROM {SIDE_TABLE} WHERE (about, nid) IN (SELECT n.{LINKS['ABOUT']}, n.nid "
            f"FROM nodes n WHERE ({where}) AND n.label = '{SIDE_LABEL}' "
            f"AND n.{LINKS['ABOUT']} IS NOT NULL)")


# The ABOUT index: a subject's records of the other labels, by label (records_about seeks
# (subject, label), so a vehicle's penalties are found without reading anything of its
# alarms).  Partial: SQLite uses it only for a query whose WHERE says NOT_SIDE literally
# (``label IN (...)`` does not imply it), so every reader of it does.  (A store written
# with the alarms in it, and their columns, gets it anew: RESHAPED, at the move of
# EmbeddedStore._move_to_side.)
ABOUT_INDEX = f"nodes_{LINKS['ABOUT']}_records"
ABOUT_INDEX_SQL = (f"CREATE INDEX IF NOT EXISTS {ABOUT_INDEX} ON nodes({LINKS['ABOUT']}, label) "
                   f"WHERE {LINKS['ABOUT']} IS NOT NULL AND {NOT_SIDE}")
DDL += ABOUT_INDEX_SQL + ";\n"
DDL += "".join(f"DROP INDEX IF EXISTS nodes_{LINKS['ABOUT']}_{old};\n"  # two it replaced
               for old in ("label", *ABOUT_FILTERS))


def unlink_about(cond: str) -> list[str]:
    """The statements that set to NULL the ABOUT link of the records ``cond`` picks (a
    condition on their ``about`` and ``nid`` only): the other labels' found through the
    ABOUT index, the side label's through their side rows (the trigger _side_nodes then
    drops those)."""
    a = LINKS["ABOUT"]
    return [f"UPDATE nodes SET {a} = NULL WHERE {cond} AND {NOT_SIDE}",
            f"UPDATE nodes SET {a} = NULL WHERE nid IN (SELECT nid FROM {SIDE_TABLE} WHERE {cond})"]


def record_tests_sql(alts: Sequence, label: str | None = None, rows: bool = True
                     ) -> tuple[str, list]:
    """The WHERE condition (on records ``r``, and for :data:`SIDE_LABEL` its side row
    ``s``) and its parameters of one label's checked tests of ``Store.records_matching``
    (its ``port.RecordMatch`` list: one must keep a record).  A term leaves a record out
    only where ``RecordMatch.keeps`` does.

    Each term reads a property only as ``json_extract(r.props, '$.<prop>')``, or one the
    side table holds (:func:`about_held`) as its column ``s.<prop>`` (the same value), so
    SQLite judges a record on the side row.  That value is text for a JSON string and
    also for an array or object (their JSON text, which starts with ``[`` or ``{``); true
    and false are 1 and 0.  Only for text starting so, or a whole number below an
    ``at_least`` bound, is the row read (``json_type``) to tell them apart.

    Without ``rows``, those terms keep every such record instead (no row read, a record
    of ``label`` judged on its side row alone when its terms read only what that holds):
    the caller judges a kept record whose value is not plain text."""
    args: list = []
    ors = []
    for t in alts:  # (port.record_tests checked them: the names are the schema's)
        terms = []

        def value(prop: str) -> str:
            if prop in about_held(label):
                return f"s.{prop}"
            return f"json_extract(r.props, '$.{prop}')"

        def not_text(prop: str) -> str:
            v = value(prop)
            row = f" AND json_type(r.props, '$.{prop}') IS NOT 'text'" if rows else ""
            return f"typeof({v}) <> 'text' OR (substr({v}, 1, 1) IN ('[', '{{'){row})"

        for prop in t.absent:
            terms.append(f"({value(prop)} IS NULL OR {value(prop)} = '')")
        for prop, values in t.where.items():
            terms.append(f"({not_text(prop)} OR {value(prop)} IN ({','.join('?' * len(values))}))")
            args += values
        for prop, words in t.contains.items():
            terms.append(f"({not_text(prop)} OR "
                         + " OR ".join([f"instr({value(prop)}, ?) > 0"] * len(words)) + ")")
            args += words
        for prop, low in t.at_least.items():
            v = value(prop)
            row = (f"json_type(r.props, '$.{prop}') IS NOT 'integer'" if rows
                   else f"{v} IN (0, 1)")  # (true and false are 1 and 0)
            terms.append(f"(typeof({v}) <> 'integer' OR CAST({v} AS REAL) >= ? OR {row})")
            args.append(low)
        ors.append("(" + (" AND ".join(terms) or "1") + ")")
    return "(" + (" OR ".join(ors) or "0") + ")", args


#: the records ``r`` of the side label about subjects ``d``, through their side rows ``s``
SIDE_JOIN = f"{SIDE_TABLE} s ON s.about = d.nid JOIN nodes r ON r.nid = s.nid"
#: the records ``r`` of the other labels about subjects ``d`` (add NOT_SIDE's term)
ABOUT_JOIN = f"nodes r ON r.{LINKS['ABOUT']} = d.nid"


def record_reads(tests: Mapping[str, Sequence | None], index_only: bool = False
                 ) -> list[tuple[str, str, list, str]]:
    """The reads of ``Store.records_matching``'s checked ``tests``: (what to join to the
    subjects ``d``, the WHERE terms, their parameters, the records' nid column), one for
    :data:`SIDE_LABEL` through its side table, and one for the other labels through the
    ABOUT index (``r.label IN (...)`` first, so each subject's records of them are a
    range of it, then each label's tests).

    With ``index_only``, the same reads with only the terms judged on their index or side
    row (the other labels' tests left out), no row joined: the rows they may return,
    found without reading one."""
    reads, plain, cases, args = [], [], [], []
    for label, alts in tests.items():
        if label == SIDE_LABEL:
            # (terms on the side row alone where every property tested is held there)
            near, more = record_tests_sql(alts, label, rows=False) if alts is not None and \
                {p for t in alts for p in t.props()} <= set(SIDE_HELD) else ("1", [])
            if index_only:
                reads.append((f"{SIDE_TABLE} s ON s.about = d.nid", f" AND {near}", more, "s.nid"))
                continue
            # (the side row's terms first, alone: SQLite judges them before it reads the row)
            cond, rest = record_tests_sql(alts, label) if alts is not None else ("1", [])
            reads.append((SIDE_JOIN, f" AND {near} AND {cond}", [*more, *rest], "r.nid"))
            continue
        plain.append(f"'{label}'")
        if alts is not None and not index_only:
            cond, more = record_tests_sql(alts, label)
            cases.append(f" WHEN '{label}' THEN {cond}")
            args += more
    if plain:
        where = f" AND r.{NOT_SIDE} AND r.label IN ({','.join(plain)})"
        if cases:
            where += " AND CASE r.label" + "".join(cases) + " ELSE 1 END"
        reads.append((ABOUT_JOIN, where, args, "r.nid"))
    return reads


# Per connection: while a load's transaction runs, _load holds its sequence number and
# the largest ids before it; an update of a row that existed before then saves the row's
# props (and links) in the journal, once per load (NOT EXISTS, because the upsert that
# fires a trigger imposes its own conflict handling on it).  Outside loads _load is empty
# and nothing fires.
#
# _side: while a transaction runs, the largest nid whose side row (SIDE_TABLE) is in
# place; a row above it is one the transaction inserted, put there by the writer's next
# fill (writer.fill_side) as it is then.  An update of a side-label row at or below it
# (an upsert of a stored alarm, a subject moved, an undo restoring it, a subject deleted)
# replaces its side row; outside transactions _side is empty and every update does.
# (Temp, as _load: a permanent trigger cannot see the mark, and a mark in meta would be
# written by every transaction.  Deletes of nodes remove their side rows explicitly
# (side_gone): a delete trigger would cost a call per row and stop DELETE FROM nodes
# being a truncation.)
JOURNAL_TRIGGERS = """
CREATE TEMP TABLE IF NOT EXISTS _load(seq INTEGER, max_nid INTEGER, max_eid INTEGER);
CREATE TEMP TRIGGER IF NOT EXISTS _journal_nodes BEFORE UPDATE ON main.nodes
WHEN old.nid <= (SELECT max_nid FROM _load) BEGIN
    INSERT INTO journal(seq, kind, id, old, old_links)
    SELECT l.seq, 'n', old.nid, old.props, json_array(%(old_links)s) FROM _load l
    WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.seq = l.seq AND j.kind = 'n' AND j.id = old.nid);
END;
CREATE TEMP TRIGGER IF NOT EXISTS _journal_edges BEFORE UPDATE OF props ON main.edges
WHEN old.eid <= (SELECT max_eid FROM _load) BEGIN
    INSERT INTO journal(seq, kind, id, old) SELECT l.seq, 'e', old.eid, old.props FROM _load l
    WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.seq = l.seq AND j.kind = 'e' AND j.id = old.eid);
END;
CREATE TEMP TABLE IF NOT EXISTS _side(filled INTEGER);
CREATE TEMP TRIGGER IF NOT EXISTS _side_nodes AFTER UPDATE OF uid, label, props, %(about)s
ON main.nodes WHEN (old.label = '%(side)s' OR new.label = '%(side)s')
AND old.nid <= coalesce((SELECT filled FROM _side), old.nid) BEGIN
    DELETE FROM %(table)s WHERE about = old.%(about)s AND nid = old.nid;
    INSERT INTO %(table)s(%(columns)s) SELECT %(new)s
    WHERE new.label = '%(side)s' AND new.%(about)s IS NOT NULL;
END;
""" % {"old_links": ", ".join(f"old.{c}" for c in LINKS.values()), "about": LINKS["ABOUT"],
       "side": SIDE_LABEL, "table": SIDE_TABLE, "columns": ", ".join(SIDE_COLUMNS),
       "new": side_values("new")}


def index_statements() -> list[str]:
    """Partial expression indexes for the properties the schema marks ``index: true``, and
    for its compound indexes (``indexes`` of a label).  A store written before an index
    was declared gets it when it is next opened (EmbeddedStore.ensure_schema).

    A property whose label has a compound index led by it gets no index of its own: SQLite
    seeks the compound's first column as it would that index, and each record loaded
    would otherwise parse its JSON and update a B-tree once more for it (a penalty's
    ``subject_region``).  A store written with that index loses it when next opened."""
    out, gone = [], []
    for label in schema().labels.values():
        led = {props[0] for props in label.indexes}
        for props in [(p,) for p in label.indexed()] + list(label.indexes):
            name = prop_index_name(label.name, props)
            if len(props) == 1 and props[0] in led:
                gone.append(f"DROP INDEX IF EXISTS {name}")
                continue
            columns = ", ".join(prop_sql(p) for p in props)
            out.append(f"CREATE INDEX IF NOT EXISTS {name} ON nodes({columns}) "
                       f"WHERE label = '{label.name}'")
    return out + gone


def prop_index(label: str, prop: str) -> str | None:
    """The name of the index of :func:`index_statements` whose first column is ``prop`` of
    ``label``'s nodes (its own, or a compound one it leads), if there is one."""
    lab = schema().label(label)
    for props in lab.indexes:
        if props[0] == prop:
            return prop_index_name(lab.name, props)
    return prop_index_name(lab.name, (prop,)) if prop in lab.indexed() else None


def prop_index_name(label: str, props: Sequence[str]) -> str:
    """The name of the index of ``props`` (one property, or a compound's) of ``label``'s
    nodes: what :func:`index_statements` creates and the readers name."""
    return f"nodes_{label}_{'_'.join(props)}"


def retired_index_statements() -> list[str]:
    """The indexes of properties the schema retired (``retired_indexes`` of a label),
    dropped from a store made with them when it is next opened."""
    return [f"DROP INDEX IF EXISTS {prop_index_name(label.name, (prop,))}"
            for label in schema().labels.values() for prop in label.retired_indexes]


def missing_link_columns(con: sqlite3.Connection) -> list[str]:
    """Link columns (:data:`LINKS`) the ``nodes`` table of a store lacks: a store made
    before the schema gave records another ``one_per_source`` relationship (a fine
    payment's PAYS).  Added as empty columns, they need no new store format."""
    have = {row[1] for row in con.execute("PRAGMA table_info(nodes)")}
    return [c for c in LINKS.values() if c not in have] if have else []


def add_link_columns(con: sqlite3.Connection) -> None:
    for col in missing_link_columns(con):
        con.execute(f"ALTER TABLE nodes ADD COLUMN {col} INTEGER REFERENCES nodes(nid)")


#: Indexes whose columns changed after stores were written with them: a store's index of
#: that name made otherwise is dropped and made anew when the store is next opened
#: (EmbeddedStore.ensure_schema).  Code of before opens a store made anew as it is.
RESHAPED = {POINT_ENTRY_INDEX_NAME: POINT_ENTRY_INDEX, ABOUT_INDEX: ABOUT_INDEX_SQL}


def reshaped_indexes(con: sqlite3.Connection) -> list[str]:
    """The indexes of :data:`RESHAPED` a store has in another shape."""
    out = []
    for name, create in RESHAPED.items():
        row = con.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                          (name,)).fetchone()
        if row is not None and row[0] != create.replace(" IF NOT EXISTS", "", 1):
            out.append(name)
    return out


def schema_complete(con: sqlite3.Connection) -> bool:
    """Whether every table, index, link column and meta row DDL and index_statements()
    create exists in its shape, and no index DDL drops does: then ensure_schema has
    nothing to write."""
    if missing_link_columns(con) or reshaped_indexes(con):
        return False
    script = DDL + "\n".join(index_statements() + retired_index_statements())
    wanted = set(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", script))
    dropped = set(re.findall(r"DROP INDEX IF EXISTS (\w+)", script))
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    if not wanted <= names or names & dropped:
        return False
    keys = re.search(r"INSERT OR IGNORE INTO meta\(k, v\) VALUES (.*);", DDL).group(1)
    meta = {r[0] for r in con.execute("SELECT k FROM meta")}
    return set(re.findall(r"\('(\w+)'", keys)) <= meta


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds of the uids starting with ``prefix``: ``lo <= uid < hi``."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def label_range(label: str) -> tuple[str, str]:
    return prefix_range(f"{label}:")


def chunks(seq: Sequence, n: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def merge_sql(table: str) -> str:
    """The props of an upsert: new values over old, and the row's source entry (a written
    row carries one, see writer._props) appended to the ``_sources`` list unless already
    there, so the list keeps the order the sources were written in (as Neo4j's does)."""
    old, new = f"{table}.props", "excluded.props"
    entry = f"json_extract({new}, '$._sources[0]')"
    return (
        f"CASE WHEN json_type({new}, '$._sources') IS NULL THEN json_patch({old}, {new}) "
        f"ELSE json_set(json_patch({old}, {new}), '$._sources', json(CASE "
        f"WHEN json_type({old}, '$._sources') IS NULL THEN json_extract({new}, '$._sources') "
        f"WHEN EXISTS (SELECT 1 FROM json_each({old}, '$._sources') WHERE value = {entry}) "
        f"THEN json_extract({old}, '$._sources') "
        f"ELSE json_insert(json_extract({old}, '$._sources'), '$[#]', {entry}) END)) END"
    )


# -- undo ------------------------------------------------------------------------------
# Parameters: :s the load's seq, and the ids it created: :nlo < nid <= :nhi, :elo < eid <= :ehi.

_LINKS_TO_CREATED = ("(" + " OR ".join(f"(n.{c} > :nlo AND n.{c} <= :nhi)" for c in LINKS.values())
                     + ")" if LINKS else "false")

#: Later loads that changed what the load wrote, or tied edges or links to nodes it created.
LATER_LOADS = (
    "SELECT l.load_id FROM loads l WHERE l.seq > :s AND l.status = 'committed' AND ("
    " EXISTS (SELECT 1 FROM journal j1 JOIN journal j2 ON j2.seq = l.seq"
    "         AND j2.kind = j1.kind AND j2.id = j1.id WHERE j1.seq = :s)"
    " OR EXISTS (SELECT 1 FROM journal j2 WHERE j2.seq = l.seq AND ("
    "         (j2.kind = 'n' AND j2.id > :nlo AND j2.id <= :nhi) OR"
    "         (j2.kind = 'e' AND j2.id > :elo AND j2.id <= :ehi)))"
    " OR EXISTS (SELECT 1 FROM edges e WHERE e.eid > l.eid_lo AND e.eid <= l.eid_hi AND"
    "         ((e.src > :nlo AND e.src <= :nhi) OR (e.dst > :nlo AND e.dst <= :nhi)))"
    f" OR EXISTS (SELECT 1 FROM nodes n WHERE n.nid > l.nid_lo AND n.nid <= l.nid_hi"
    f"         AND {_LINKS_TO_CREATED})"
    f" OR EXISTS (SELECT 1 FROM journal j2 JOIN nodes n ON n.nid = j2.id"
    f"         WHERE j2.seq = l.seq AND j2.kind = 'n' AND {_LINKS_TO_CREATED}))"
    " ORDER BY l.seq")
RESTORE_EDGES = ("UPDATE edges SET props = j.old FROM journal j WHERE j.seq = :s AND "
                 "j.kind = 'e' AND j.id = edges.eid")
DELETE_CREATED_EDGES = "DELETE FROM edges WHERE eid > :elo AND eid <= :ehi"
COUNT_CREATED_LINKS = ("SELECT " + (" + ".join(f"count({c})" for c in LINKS.values()) or "0")
                       + " FROM nodes WHERE nid > :nlo AND nid <= :nhi")
#: A link the load changed on a node it did not create is a link it created (deleted by
#: the undo) and, if there was one, a link it replaced (given back): counted as the
#: relationships they are, (deleted, restored), before RESTORE_NODES restores the links.
COUNT_RELINKED = (
    "SELECT coalesce(sum(now IS NOT NULL AND now IS NOT was), 0), "
    "coalesce(sum(was IS NOT NULL AND was IS NOT now), 0) FROM ("
    + (" UNION ALL ".join(
        f"SELECT n.{c} AS now, json_extract(j.old_links, '$[{i}]') AS was FROM journal j "
        f"JOIN nodes n ON n.nid = j.id WHERE j.seq = :s AND j.kind = 'n'"
        for i, c in enumerate(LINKS.values())) or "SELECT NULL AS now, NULL AS was")
    + ")")
RESTORE_NODES = ("UPDATE nodes SET props = j.old"
                 + "".join(f", {c} = json_extract(j.old_links, '$[{i}]')"
                           for i, c in enumerate(LINKS.values()))
                 + " FROM journal j WHERE j.seq = :s AND j.kind = 'n' AND j.id = nodes.nid")


def int_rows(con: sqlite3.Connection, query: str, args: Sequence, width: int,
             block: int = 1_000_000) -> "np.ndarray":
    """The integer rows of ``query`` as an (n, ``width``) int64 array, fetched a block at a
    time: a list of Python tuples of every edge would take ~10x the array's memory (at
    ten times Yangtze scale, 50 million edges: gigabytes)."""
    import numpy as np

    cursor = con.execute(query, args)
    parts = []
    while rows := cursor.fetchmany(block):
        parts.append(np.array(rows, dtype=np.int64).reshape(-1, width))
    return np.concatenate(parts) if parts else np.zeros((0, width), dtype=np.int64)


# -- the change log ------------------------------------------------------------------------

ABOUT_COL = LINKS["ABOUT"]
#: entries for the nodes of ``nodes n`` (restricted by the statement's WHERE), as they are
#: before they go: their subject and props
LOG_GONE = ("INSERT INTO changes(at, load_id, op, uid, about, gone) "
            f"SELECT :at, :load_id, :op, n.uid, a.uid, n.props FROM nodes n "
            f"LEFT JOIN nodes a ON a.nid = n.{ABOUT_COL} ")
CHANGES_AFTER = ("SELECT c.pos, c.at, c.load_id, c.op, c.uid, coalesce(c.about, a.uid), c.gone "
                 "%s FROM changes c LEFT JOIN nodes n ON c.gone IS NULL AND n.uid = c.uid "
                 f"LEFT JOIN nodes a ON a.nid = n.{ABOUT_COL} "
                 "WHERE c.pos > ? ORDER BY c.pos LIMIT ?")
#: the same, of positions up to a bound, of given labels (the uid's part before its colon;
#: %(labels)s: that many marks) and, when :gone is set, of any node that went; the rows
#: of other labels are skipped on the changes row alone, their nodes never joined
CHANGES_OF = ("SELECT c.pos, c.at, c.load_id, c.op, c.uid, coalesce(c.about, a.uid), c.gone "
              "%(node)s FROM changes c LEFT JOIN nodes n ON c.gone IS NULL AND n.uid = c.uid "
              f"LEFT JOIN nodes a ON a.nid = n.{ABOUT_COL} "
              "WHERE c.pos > :after AND c.pos <= :hi AND (substr(c.uid, 1, instr(c.uid, ':') - 1) "
              "IN (%(labels)s) OR (:gone AND c.gone IS NOT NULL)) ORDER BY c.pos LIMIT :limit")
LAST_CHANGE = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)"
