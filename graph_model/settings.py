"""Settings from the environment, read in one place.

| variable | meaning | default |
|---|---|---|
| CREDITKB_STORE | a directory path (embedded store) or a ``neo4j://``/``bolt://`` URL | ``./creditkb-data`` |
| CREDITKB_SECRET | key of the keyed hash that stands for resident ID numbers | a fixed demo key, with a warning |
| NEO4J_USER / NEO4J_PASSWORD | credentials for a Neo4j store | ``neo4j`` / none |
| NEO4J_DATABASE | database name on the Neo4j server | the server's default |
"""

from __future__ import annotations

import os
from dataclasses import dataclass

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
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def uses_demo_secret(self) -> bool:
        return self.secret == DEMO_SECRET
