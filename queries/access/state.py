"""Durable access state of the API: API keys, the audit log and watchlist change events.

Kept in a small SQLite file of its own (``access.sqlite3``), beside the embedded store or in
``$CREDITKB_STATE_DIR`` (required for a Neo4j store), never in the graph store: it is about
who asked what, not about credit.

* **Keys**: a key is a random 32-byte token shown once when created; only its SHA-256 is
  stored, with the agency, its region code and a role (regulator, investigator, viewer).
  A revoked key stops working at once (every request looks its hash up).
* **Audit**: one row per operation, allowed or denied, over HTTP or WebSocket (and one per
  event a subscription sends): time, agency, key id, role, the operation's root fields,
  its kind (read, write, subscribe), the subject and record ids it named and those it was
  refused (a person by its keyed hash, never the resident ID number), the outcome and the
  transport.  What goes into a row is :mod:`queries.access.audit`'s.
* **Watchlist events**: list entries added and removed through the API, in order, so every
  worker process (and every member city's subscription) sees every change.

WAL mode, one connection per thread; a commit survives a killed process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from graph_model.errors import UserError
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.sqlite import ThreadConnections
from queries.access.audit import AuditRecord

#: A ``subject`` key is a firm's own (issue 16): it sees its own records and objections and
#: files and follows its objections, never another subject (:mod:`queries.access.subject_keys`).
ROLES = ("regulator", "investigator", "viewer", "subject")
FILE = "access.sqlite3"
TOKEN_PREFIX = "ckb_"

DDL = """
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    agency TEXT NOT NULL,
    region TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    note TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    role TEXT NOT NULL,
    operation TEXT NOT NULL,
    kind TEXT NOT NULL,
    subjects TEXT NOT NULL,
    outcome TEXT NOT NULL,
    transport TEXT NOT NULL DEFAULT 'http',
    denied TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
-- The in-process watchlist event table of the first release; the live feed reads the
-- store's change log (graph_model.store.port) instead.
DROP TABLE IF EXISTS watchlist_events;
"""


class AccessError(UserError):
    """A key command that cannot be carried out (unknown key, bad role or region)."""


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    agency: str
    region: str
    role: str
    created_at: str
    revoked_at: str | None = None
    note: str | None = None
    subject: str | None = None  # a subject key's own subject (uid); None for agencies' keys

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    key_id: str
    agency: str
    role: str
    operation: str
    kind: str  # "read", "write" or "subscribe"
    subjects: tuple[str, ...]  # every subject or record named, those refused included
    outcome: str  # "ok", "forbidden", or another error code in lower case ("timeout", ...)
    transport: str = "http"  # or "ws"
    denied: tuple[str, ...] = ()  # those refused


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def state_dir(settings: Settings) -> Path:
    """Where the access state lives: ``$CREDITKB_STATE_DIR``, else the embedded store's
    directory; a Neo4j store needs the setting."""
    if settings.state_dir:
        return Path(settings.state_dir)
    if "://" in settings.store:
        raise AccessError(message("access.error.state_dir_unset"))
    return Path(settings.store)


def _setup_connection(con: sqlite3.Connection) -> None:
    # NORMAL in WAL mode: a commit survives the process being killed (only a power cut may
    # lose the last ones); FULL would cost a disk sync per request.
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA busy_timeout=30000")


class AccessStore:
    """Keys, audit log and watchlist events in ``<directory>/access.sqlite3``."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AccessError(message("access.error.state_dir", path=repr(str(self.directory)),
                                      reason=str(exc.strerror))) from None
        self.path = self.directory / FILE
        self._connections = ThreadConnections(
            self.path, 30, _setup_connection,
            lambda exc: AccessError(message("access.error.open", path=repr(str(self.path)),
                                            reason=str(exc))))
        con = self._con()
        con.executescript(DDL)
        _add_missing_columns(con, "audit", {"transport": "TEXT NOT NULL DEFAULT 'http'",
                                            "denied": "TEXT NOT NULL DEFAULT '[]'"})
        _add_missing_columns(con, "keys", {"subject": "TEXT"})

    @classmethod
    def for_settings(cls, settings: Settings) -> "AccessStore":
        return cls(state_dir(settings))

    def _con(self) -> sqlite3.Connection:
        return self._connections.get()

    def close(self) -> None:
        self._connections.close()

    # -- keys --------------------------------------------------------------------------

    def create_key(self, agency: str, region: str, role: str, note: str | None = None,
                   subject: str | None = None) -> tuple[ApiKey, str]:
        """A new key: (its record, the token to hand out; it is not stored).  A ``subject``
        key names its subject's uid (``Enterprise:<USCC>``); no other key names one."""
        from graph_model import regions

        agency = (agency or "").strip()
        if not agency:
            raise AccessError(message("access.error.agency"))
        if role not in ROLES:
            raise AccessError(message("access.error.role", roles=", ".join(ROLES), role=repr(role)))
        region = (region or "").strip()
        if not (len(region) == 6 and region.isdigit() and regions.is_known(region)):
            raise AccessError(message("access.error.region", region=repr(region)))
        if (role == "subject") != bool(subject):
            raise AccessError(message("access.error.subject_only"))
        if subject and subject.partition(":")[0] != "Enterprise":
            raise AccessError(message("access.error.subject_firm", subject=repr(subject)))
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey("key_" + secrets.token_hex(6), agency, region, role, now(), None, note,
                     subject)
        with self._con() as con:
            con.execute("INSERT INTO keys (key_id, token_sha256, agency, region, role, "
                        "created_at, revoked_at, note, subject) VALUES (?,?,?,?,?,?,?,?,?)",
                        (key.key_id, token_hash(token), key.agency, key.region, key.role,
                         key.created_at, None, note, subject))
        return key, token

    def revoke_key(self, key_id: str) -> ApiKey:
        con = self._con()
        with con:
            row = con.execute("SELECT revoked_at FROM keys WHERE key_id = ?", (key_id,)).fetchone()
            if row is None:
                raise AccessError(message("access.error.no_key", key=repr(key_id)))
            if row[0] is None:
                con.execute("UPDATE keys SET revoked_at = ? WHERE key_id = ?", (now(), key_id))
        return self.get_key(key_id)

    def get_key(self, key_id: str) -> ApiKey | None:
        row = self._con().execute(
            "SELECT key_id, agency, region, role, created_at, revoked_at, note, subject FROM keys "
            "WHERE key_id = ?", (key_id,)).fetchone()
        return ApiKey(*row) if row else None

    def keys(self) -> list[ApiKey]:
        return [ApiKey(*r) for r in self._con().execute(
            "SELECT key_id, agency, region, role, created_at, revoked_at, note, subject FROM keys "
            "ORDER BY created_at, key_id")]

    def is_active(self, key_id: str) -> bool:
        """Whether the key exists and is not revoked (asked again for each operation and
        event of a long-lived WebSocket connection)."""
        row = self._con().execute("SELECT revoked_at FROM keys WHERE key_id = ?",
                                  (key_id,)).fetchone()
        return row is not None and row[0] is None

    def revoked_since(self, at: str) -> list[tuple[str, str]]:
        """(key id, revoked at) of the keys revoked at or after ``at`` (ISO 8601, UTC)."""
        return [tuple(r) for r in self._con().execute(
            "SELECT key_id, revoked_at FROM keys WHERE revoked_at >= ? ORDER BY revoked_at",
            (at,))]

    def authenticate(self, token: str | None) -> ApiKey | None:
        """The active key whose token this is, or None."""
        if not token or len(token) > 200:
            return None
        row = self._con().execute(
            "SELECT key_id, agency, region, role, created_at, revoked_at, note, subject FROM keys "
            "WHERE token_sha256 = ?", (token_hash(token),)).fetchone()
        if row is None or row[5] is not None:
            return None
        return ApiKey(*row)

    # -- audit -------------------------------------------------------------------------

    def append_audit(self, key: ApiKey, record: AuditRecord) -> None:
        """Append one operation's row (see :func:`queries.access.audit.audit_record`)."""
        with self._con() as con:
            con.execute("INSERT INTO audit(at, key_id, agency, role, operation, kind, subjects, "
                        "outcome, transport, denied) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (now(), key.key_id, key.agency, key.role, record.operation, record.kind,
                         json.dumps(list(record.subjects), ensure_ascii=False), record.outcome,
                         record.transport, json.dumps(list(record.denied), ensure_ascii=False)))

    def audit(self, agency: str | None = None, key_id: str | None = None,
              subject: str | None = None, since: str | None = None,
              limit: int | None = None) -> list[AuditEntry]:
        sql = ("SELECT seq, at, key_id, agency, role, operation, kind, subjects, outcome, "
               "transport, denied FROM audit")
        given = [(condition, value) for condition, value in (
            ("agency = ?", agency), ("key_id = ?", key_id), ("at >= ?", since),
            ("EXISTS (SELECT 1 FROM json_each(audit.subjects) WHERE value = ?)", subject))
            if value]
        where, args = [c for c, _ in given], [v for _, v in given]
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq"
        rows = self._con().execute(sql, args).fetchall()
        if limit is not None:
            rows = rows[-limit:]
        return [AuditEntry(s, at, k, a, r, op, kind, tuple(json.loads(subs)), out, transport,
                           tuple(json.loads(denied)))
                for s, at, k, a, r, op, kind, subs, out, transport, denied in rows]


def _add_missing_columns(con: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    """Columns a newer creditkb added to ``table``, added to a state file made before."""
    have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
    for name, decl in columns.items():
        if name not in have:
            try:
                with con:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):  # another worker added it first
                    raise
