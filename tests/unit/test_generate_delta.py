"""The generator's daily exports (``creditkb generate --delta``): a seed's share of a
kind's rows corrected, added or removed in the exchange format's own words, the same bytes
for the same seed, and the merged full export they stand for."""

from __future__ import annotations

import pytest

from creditkb import synth as gen
from creditkb.synth.delta import RULES, delta_frame, merged, read_export, write_delta
from graph_model.errors import UserError
from graph_model.identifiers import REGISTRY


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("base")
    gen.generate(folder, scale=0.002, seed=5)
    return folder


def keys(frame, kind):
    return set(zip(*(frame[c] for c in RULES[kind].key)))


@pytest.mark.parametrize("kind", list(RULES))
def test_a_delta_names_its_share_of_rows_corrected_added_and_removed(base, kind):
    rows = read_export(base / f"{kind}.csv", kind)
    delta = delta_frame(rows, kind, fraction=0.05, seed=1)
    assert len(delta) == round(0.05 * len(rows))
    old, named = keys(rows, kind), list(zip(*(delta[c] for c in RULES[kind].key)))
    assert len(set(named)) == len(named), "a key named twice in one export"
    known = [k in old for k in named]
    added = len(named) - sum(known)
    assert added == round(len(delta) * 0.3) > 0
    by_key = {k: r for k, r in zip(zip(*(rows[c] for c in RULES[kind].key)),
                                   rows.to_dict("records"))}
    for key, row in zip(named, delta.to_dict("records")):
        if key in by_key:
            assert row != by_key[key], f"a corrected row equal to the base's: {key}"
    if kind == "penalties":
        assert (delta["status"] == "撤销").sum() >= len(delta) - added - round(len(delta) * 0.5)
    if kind == "list_entries":
        ended = delta[[k in old for k in named]]
        assert (ended["removed_on"] != "").sum() >= round(len(delta) * 0.2)
        assert (delta["removed_on"].eq("") | (delta["removed_on"] > delta["listed_on"])).all()
    if kind == "vehicles":
        new = delta[[not k for k in known]]
        assert all(REGISTRY["plate"].problem(p) is None for p in new["plate"])
        assert set(new["owner_uscc"]) <= set(rows["owner_uscc"])


def test_a_seed_gives_the_same_file_and_another_seed_another(base, tmp_path):
    a = write_delta(base, "penalties", tmp_path / "a", seed=7).read_bytes()
    b = write_delta(base, "penalties", tmp_path / "b", seed=7).read_bytes()
    c = write_delta(base, "penalties", tmp_path / "c", seed=8).read_bytes()
    assert a == b and a != c
    assert a.decode("utf-8").splitlines()[0] == ",".join(gen.HEADERS["penalties"])


def test_the_merged_export_is_the_base_with_the_delta_in_place(base):
    rows = read_export(base / "list_entries.csv", "list_entries")
    delta = delta_frame(rows, "list_entries", fraction=0.1, seed=2)
    full = merged(rows, delta, "list_entries")
    added = len(keys(delta, "list_entries") - keys(rows, "list_entries"))
    assert len(full) == len(rows) + added
    records = full.to_dict("records")
    for row in delta.to_dict("records"):
        assert row in records
    assert keys(full, "list_entries") == keys(rows, "list_entries") | keys(delta, "list_entries")


def test_a_kind_without_a_delta_rule_is_refused_by_name(base, tmp_path):
    with pytest.raises(UserError, match="penalties, list_entries, vehicles"):
        write_delta(base, "monitoring_alarms", tmp_path)
