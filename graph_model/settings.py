"""Settings from the environment, read in one place.

| variable | meaning | default |
|---|---|---|
| CREDITKB_STORE | a directory path (embedded store) or a ``neo4j://``/``bolt://`` URL | ``./creditkb-data`` |
| CREDITKB_SECRET | key of the keyed hash that stands for resident ID numbers | a fixed demo key, with a warning |
| NEO4J_USER / NEO4J_PASSWORD | credentials for a Neo4j store | ``neo4j`` / none |
| NEO4J_DATABASE | database name on the Neo4j server | the server's default |
| CREDITKB_DATE_EARLIEST | the first plausible date of a record or a question (see graph_model.dates) | ``1949-10-01`` |
| CREDITKB_DATE_FUTURE_YEARS | years after today a decision or event date may lie | ``10`` |
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from graph_model.dates import EARLIEST, FUTURE_YEARS, DatePolicy

DEFAULT_STORE = "./creditkb-data"
# Only for demos and tests: a real deployment sets CREDITKB_SECRET, or person ids from
# different deployments could be linked by anyone who knows this key.
DEMO_SECRET = "creditkb-demo-secret-do-not-use-in-production"


@dataclass(frozen=True)
class Settings:
    store: str = DEFAULT_STORE
    secret: str = DEMO_SECRET
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    date_earliest: dt.date = EARLIEST
    date_future_years: int = FUTURE_YEARS

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        secret = env.get("CREDITKB_SECRET")
        values = dict(
            store=env.get("CREDITKB_STORE") or DEFAULT_STORE,
            secret=secret or DEMO_SECRET,
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password=env.get("NEO4J_PASSWORD"),
            neo4j_database=env.get("NEO4J_DATABASE") or None,
            date_earliest=_date(env, "CREDITKB_DATE_EARLIEST", EARLIEST),
            date_future_years=_count(env, "CREDITKB_DATE_FUTURE_YEARS", FUTURE_YEARS),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def uses_demo_secret(self) -> bool:
        return self.secret == DEMO_SECRET

    @property
    def date_policy(self) -> DatePolicy:
        """The plausible windows of dates (graph_model.dates), counted from today."""
        return DatePolicy(self.date_earliest, self.date_future_years)


def _date(env, name: str, default: dt.date) -> dt.date:
    text = env.get(name)
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a date (YYYY-MM-DD)") from None


def _count(env, name: str, default: int) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{name}={text!r} is not a whole number of years (0 or more)")
    return value
