"""Settings from the environment, read in one place: no other module reads a variable.

| variable | meaning | default |
|---|---|---|
| CREDITKB_STORE | a directory path (embedded store) or a ``neo4j://``/``bolt://`` URL | ``./creditkb-data`` |
| CREDITKB_SECRET | key of the keyed hash that stands for resident ID numbers | a fixed demo key, with a warning |
| NEO4J_USER / NEO4J_PASSWORD | credentials for a Neo4j store | ``neo4j`` / none |
| NEO4J_DATABASE | database name on the Neo4j server | the server's default |
| CREDITKB_STATE_DIR | where API keys and the audit log live | the embedded store's directory |
| CREDITKB_REQUEST_TIMEOUT | seconds an API request may take | ``10`` |
| CREDITKB_ANSWER_CACHE | ``0`` turns the API's answer caches off | on |
| CREDITKB_DEBUG | ``1`` shows the traceback of an unexpected error | off |
| CREDITKB_DATE_EARLIEST | the first plausible date of a record or a question (see graph_model.dates) | ``1949-10-01`` |
| CREDITKB_DATE_FUTURE_YEARS | years after today a decision or event date may lie | ``10`` |
| CREDITKB_SCHEMES | a folder of the user's own scoring schemes and overrides (queries.scoring) | none: the shipped ones |

The command line's language comes from the locale (``LC_ALL``, ``LC_MESSAGES`` or ``LANG``,
the first set): Chinese when it starts with ``zh``, else English (:func:`language`).

(``NEO4J_URI`` is read by the test suite only: it names a server to test against.)
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Mapping

from graph_model.dates import EARLIEST, FUTURE_YEARS, DatePolicy
from graph_model.errors import UserError
from graph_model.i18n import from_environ

DEFAULT_STORE = "./creditkb-data"
# Only for demos and tests: a real deployment sets CREDITKB_SECRET, or person ids from
# different deployments could be linked by anyone who knows this key.
DEMO_SECRET = "creditkb-demo-secret-do-not-use-in-production"
DEFAULT_REQUEST_TIMEOUT = 10.0


def language(env: Mapping[str, str] | None = None) -> str:
    """The command line's language (``zh-CN`` or ``en``) from the locale variables."""
    return from_environ(os.environ if env is None else env)


@dataclass(frozen=True)
class Settings:
    store: str = DEFAULT_STORE
    secret: str = DEMO_SECRET
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    state_dir: str | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    answer_cache: bool = True
    debug: bool = False
    date_earliest: dt.date = EARLIEST
    date_future_years: int = FUTURE_YEARS
    schemes_dir: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *,
                 default_store: str = DEFAULT_STORE, **overrides) -> "Settings":
        """The settings the environment gives (``env``, default ``os.environ``), with
        ``overrides`` that are not None taking precedence (command-line options), and
        ``default_store`` where neither names a store (``creditkb demo`` has its own)."""
        env = os.environ if env is None else env
        values = dict(
            store=env.get("CREDITKB_STORE") or default_store,
            secret=env.get("CREDITKB_SECRET") or DEMO_SECRET,
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password=env.get("NEO4J_PASSWORD"),
            neo4j_database=env.get("NEO4J_DATABASE") or None,
            state_dir=env.get("CREDITKB_STATE_DIR") or None,
            request_timeout=_seconds(env.get("CREDITKB_REQUEST_TIMEOUT")),
            answer_cache=env.get("CREDITKB_ANSWER_CACHE") != "0",
            debug=bool(env.get("CREDITKB_DEBUG")),
            date_earliest=_date(env, "CREDITKB_DATE_EARLIEST", EARLIEST),
            date_future_years=_count(env, "CREDITKB_DATE_FUTURE_YEARS", FUTURE_YEARS),
            schemes_dir=env.get("CREDITKB_SCHEMES") or None,
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The variables that give these settings to another process (the API's workers):
        ``Settings.from_env(s.to_env()) == s``."""
        env = {"CREDITKB_STORE": self.store, "CREDITKB_SECRET": self.secret,
               "NEO4J_USER": self.neo4j_user,
               "CREDITKB_REQUEST_TIMEOUT": repr(self.request_timeout),
               "CREDITKB_ANSWER_CACHE": "1" if self.answer_cache else "0",
               "CREDITKB_DATE_EARLIEST": self.date_earliest.isoformat(),
               "CREDITKB_DATE_FUTURE_YEARS": str(self.date_future_years)}
        optional = {"NEO4J_PASSWORD": self.neo4j_password, "NEO4J_DATABASE": self.neo4j_database,
                    "CREDITKB_STATE_DIR": self.state_dir, "CREDITKB_SCHEMES": self.schemes_dir,
                    "CREDITKB_DEBUG": "1" if self.debug else None}
        env.update({k: v for k, v in optional.items() if v is not None})
        return env

    @property
    def uses_demo_secret(self) -> bool:
        return self.secret == DEMO_SECRET

    @property
    def date_policy(self) -> DatePolicy:
        """The plausible windows of dates (graph_model.dates), counted from today."""
        return DatePolicy(self.date_earliest, self.date_future_years)


def _seconds(text: str | None) -> float:
    """A timeout in seconds, at least 0.1; a value that is no number gives the default."""
    try:
        return max(0.1, float(text)) if text else DEFAULT_REQUEST_TIMEOUT
    except ValueError:
        return DEFAULT_REQUEST_TIMEOUT


def _date(env: Mapping[str, str], name: str, default: dt.date) -> dt.date:
    text = env.get(name)
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{name}={text!r} is not a date (YYYY-MM-DD)") from None


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise UserError(f"{name}={text!r} is not a whole number of years (0 or more)")
    return value
