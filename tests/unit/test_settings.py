"""Settings come from the environment in one place, and go to worker processes whole."""

from __future__ import annotations

from graph_model.settings import DEMO_SECRET, Settings


def test_every_variable_is_read():
    s = Settings.from_env({
        "CREDITKB_STORE": "bolt://db:7687", "CREDITKB_SECRET": "k", "NEO4J_USER": "u",
        "NEO4J_PASSWORD": "p", "NEO4J_DATABASE": "credit", "CREDITKB_STATE_DIR": "/state",
        "CREDITKB_REQUEST_TIMEOUT": "2.5", "CREDITKB_ANSWER_CACHE": "0", "CREDITKB_DEBUG": "1"})
    assert s == Settings(store="bolt://db:7687", secret="k", neo4j_user="u", neo4j_password="p",
                         neo4j_database="credit", state_dir="/state", request_timeout=2.5,
                         answer_cache=False, debug=True)


def test_defaults_and_overrides():
    s = Settings.from_env({"CREDITKB_REQUEST_TIMEOUT": "soon"}, store="/data/s")
    assert s.store == "/data/s" and s.secret == DEMO_SECRET and s.uses_demo_secret
    assert s.request_timeout == 10.0 and s.answer_cache and not s.debug and s.state_dir is None
    assert Settings.from_env({"CREDITKB_REQUEST_TIMEOUT": "0"}).request_timeout == 0.1


def test_a_worker_process_gets_the_same_settings():
    s = Settings(store="/x", secret="k", state_dir="/state", request_timeout=3.0,
                 answer_cache=False, neo4j_password="p")
    assert Settings.from_env(s.to_env()) == s
    assert Settings.from_env(Settings().to_env()) == Settings()
