"""Settings come from the environment in one place, and go to worker processes whole."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_model.errors import UserError
from graph_model.settings import DEMO_SECRET, Settings


def test_every_variable_is_read():
    s = Settings.from_env({
        "CREDITKB_STORE": "bolt://db:7687", "CREDITKB_SECRET": "k", "NEO4J_USER": "u",
        "NEO4J_PASSWORD": "p", "NEO4J_DATABASE": "credit", "CREDITKB_STATE_DIR": "/state",
        "CREDITKB_REQUEST_TIMEOUT": "2.5", "CREDITKB_ANSWER_CACHE": "0", "CREDITKB_DEBUG": "1",
        "CREDITKB_DATE_EARLIEST": "1900-01-01", "CREDITKB_DATE_FUTURE_YEARS": "3"})
    assert s == Settings(store="bolt://db:7687", secret="k", neo4j_user="u", neo4j_password="p",
                         neo4j_database="credit", state_dir="/state", request_timeout=2.5,
                         answer_cache=False, debug=True, date_earliest=dt.date(1900, 1, 1),
                         date_future_years=3)


def test_defaults_and_overrides():
    s = Settings.from_env({"CREDITKB_REQUEST_TIMEOUT": "soon"}, store="/data/s")
    assert s.store == "/data/s" and s.secret == DEMO_SECRET and s.uses_demo_secret
    assert s.request_timeout == 10.0 and s.answer_cache and not s.debug and s.state_dir is None
    assert Settings.from_env({"CREDITKB_REQUEST_TIMEOUT": "0"}).request_timeout == 0.1
    assert s.date_policy.earliest == dt.date(1949, 10, 1) and s.date_policy.future_years == 10
    assert Settings.from_env({"CREDITKB_STORE": "/s"}, default_store="./demo").store == "/s"
    assert Settings.from_env({}, default_store="./demo").store == "./demo"


@pytest.mark.parametrize("name, value", [
    ("CREDITKB_DATE_EARLIEST", "1st October 1949"), ("CREDITKB_DATE_FUTURE_YEARS", "ten"),
    ("CREDITKB_DATE_FUTURE_YEARS", "-1")])
def test_a_date_window_that_is_no_window_is_the_users_to_fix(name, value):
    with pytest.raises(UserError, match=f"{name}={value!r}"):
        Settings.from_env({name: value})


def test_a_worker_process_gets_the_same_settings():
    s = Settings(store="/x", secret="k", state_dir="/state", request_timeout=3.0,
                 answer_cache=False, neo4j_password="p", date_earliest=dt.date(1900, 1, 1),
                 date_future_years=0)
    assert Settings.from_env(s.to_env()) == s
    assert Settings.from_env(Settings().to_env()) == Settings()
