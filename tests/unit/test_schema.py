"""The schema file is consistent, and what is derived from it agrees with it."""

from __future__ import annotations

import pytest
import yaml

from graph_model.store.embedded.sql import index_statements
from graph_model.identifiers import REGISTRY
from graph_model.schema import SchemaError, parse_schema, schema, split_uid
from loaders.kinds import kinds


def test_every_label_and_relationship_of_the_domain_is_there():
    s = schema()
    assert set(s.labels) == {"Enterprise", "Person", "Vehicle", "Vessel", "Penalty", "Evaluation",
                             "ListEntry", "Agreement", "Region", "Agency", "Commitment", "Repair",
                             "Accident", "Inspection", "MonitoringAlarm", "PortCall", "Complaint",
                             "Review", "PointEntry", "FinePayment", "Objection", "Reminder",
                             "CreditReport"}
    assert s.subject_labels() == ["Enterprise", "Person", "Vehicle", "Vessel"]
    rep = s.rel("LEGAL_REPRESENTATIVE_OF")
    assert (rep.from_labels, rep.to_labels) == (("Person",), ("Enterprise",))


def test_records_stay_out_of_the_traversal_graph():
    s = schema()
    assert "ABOUT" not in s.graph_rel_types() and "REPAIRS" not in s.graph_rel_types()
    assert "PAYS" not in s.graph_rel_types() and "PAYS" in s.link_rel_types()
    records = [n for n, lab in s.labels.items() if lab.kind == "record"]
    assert not any(s.label(n).in_graph for n in records)
    # every record but a fine payment (which PAYS a penalty) and a repair is about a subject
    assert set(s.rel("ABOUT").from_labels) == set(records) - {"FinePayment", "Repair", "Reminder",
                                                                 "CreditReport"}
    assert {"OWNS", "LEGAL_REPRESENTATIVE_OF", "MEMBER_OF", "PART_OF"} <= set(s.graph_rel_types())


def test_identifier_typed_properties_name_registry_types():
    for label in schema().labels.values():
        for prop in label.properties.values():
            assert prop.type in REGISTRY or prop.type in {"string", "date", "datetime", "number",
                                                          "integer", "list"}
    assert schema().label("Enterprise").properties["uscc"].type == "uscc"


def test_a_broken_schema_is_refused_with_the_place_named():
    doc = yaml.safe_load(open("graph_model/schema.yaml", encoding="utf-8"))
    doc["relationships"]["OWNS"]["to"] = ["Boat"]
    with pytest.raises(SchemaError, match="OWNS: unknown label 'Boat'"):
        parse_schema(doc, frozenset(REGISTRY))
    doc = yaml.safe_load(open("graph_model/schema.yaml", encoding="utf-8"))
    doc["labels"]["Vessel"]["properties"]["imo"]["type"] = "imo_number"
    with pytest.raises(SchemaError, match="Vessel.imo: unknown type"):
        parse_schema(doc, frozenset(REGISTRY))


def test_uids():
    assert split_uid("Vehicle:苏E12345") == ("Vehicle", "苏E12345")
    with pytest.raises(SchemaError):
        split_uid("Boat:1")
    with pytest.raises(SchemaError):
        split_uid("no-colon")


def test_loader_columns_take_types_from_the_schema():
    k = kinds()
    assert k["enterprises"].columns["uscc"].type == "uscc" and k["enterprises"].columns["uscc"].required
    assert k["vehicles"].columns["region_code"].type == "region_code"
    assert k["vessels"].columns["owner_uscc"].type == "uscc"  # not a property: stated in kinds.yaml
    for kind in k.values():
        label = schema().label(kind.label)
        for col in kind.columns.values():
            if col.name in label.properties:
                assert col.type == label.properties[col.name].type, (kind.name, col.name)


def test_embedded_indexes_follow_the_schema():
    stmts = index_statements()
    assert any("nodes_ListEntry_list_kind" in s and "label = 'ListEntry'" in s for s in stmts)
    indexed = sum(len(lab.indexed()) + len(lab.indexes) for lab in schema().labels.values())
    assert len(stmts) == indexed  # (an index made, or one a compound index serves dropped)
    # a property leading a compound index of its label is sought in that one: no index of
    # its own (a penalty loaded parses and inserts once less), and a store that has one
    # loses it
    creates = [s for s in stmts if s.startswith("CREATE")]
    assert not any(" nodes_Penalty_subject_region " in s for s in creates)
    assert "DROP INDEX IF EXISTS nodes_Penalty_subject_region" in stmts
    assert any(" nodes_Penalty_decision_date " in s for s in creates)
    # a compound index lists its properties in the schema's order, the leading one first
    assert any("nodes_Penalty_subject_region_decision_date_severity ON nodes("
               "json_extract(props, '$.subject_region'), json_extract(props, '$.decision_date'), "
               "json_extract(props, '$.severity')) WHERE label = 'Penalty'" in s for s in stmts)


@pytest.mark.parametrize("bad", [["subject_region"], ["subject_region", "subject_region"],
                                 ["subject_region", "no_such_property"], "subject_region"])
def test_a_compound_index_names_two_or_more_properties_of_its_label(bad):
    doc = yaml.safe_load(open("graph_model/schema.yaml", encoding="utf-8"))
    doc["labels"]["Penalty"]["indexes"] = [bad]
    with pytest.raises(SchemaError, match=r"Penalty.indexes\[0\]"):
        parse_schema(doc, frozenset(REGISTRY))


#: every label whose records carry a version link (supersedes): no read filters any of them
#: on it (a corrected version is found among its subject's records, queries/versions.py)
VERSIONED = ["Penalty", "Evaluation", "ListEntry", "Commitment", "PointEntry"]


@pytest.mark.parametrize("label", VERSIONED)
def test_a_retired_index_is_dropped_and_never_made_on_either_store(label):
    from graph_model.store.embedded.sql import retired_index_statements
    from graph_model.store.neo4j import cypher

    spec = schema().label(label)
    assert "supersedes" in spec.retired_indexes and "supersedes" not in spec.indexed()
    assert not any(f" nodes_{label}_supersedes " in s for s in index_statements())
    assert f"DROP INDEX IF EXISTS nodes_{label}_supersedes" in retired_index_statements()
    texts = [s.text for s in cypher.schema_statements()]
    assert f"DROP INDEX `creditkb_{label}_supersedes` IF EXISTS" in texts
    assert not any(f"creditkb_{label}_supersedes` IF NOT EXISTS" in t for t in texts)


def test_no_label_indexes_its_version_link():
    assert sorted(l.name for l in schema().labels.values() if "supersedes" in l.properties) \
        == sorted(VERSIONED)
    assert not [l.name for l in schema().labels.values() if "supersedes" in l.indexed()]


@pytest.mark.parametrize("bad", ["no_such_property", "decision_date"])
def test_a_retired_index_names_a_property_of_its_label_that_is_not_indexed(bad):
    doc = yaml.safe_load(open("graph_model/schema.yaml", encoding="utf-8"))
    doc["labels"]["Penalty"]["retired_indexes"] = [bad]
    with pytest.raises(SchemaError, match=r"Penalty.retired_indexes\[0\]"):
        parse_schema(doc, frozenset(REGISTRY))


def test_value_sets_are_written_once_in_the_schema_and_read_by_the_loaders():
    from graph_model.enums import ListKind, SubjectKind

    k = kinds()
    assert k["list_entries"].columns["list_kind"].values == tuple(ListKind)
    assert k["penalties"].columns["severity"].values == ("一般", "严重")
    for kind in k.values():
        if "subject_kind" in kind.columns:
            assert kind.columns["subject_kind"].values == ("企业", "车辆", "船舶", "人员")
    assert {w.label for w in SubjectKind} == set(schema().subject_labels())


def test_a_value_set_on_a_non_string_property_is_refused():
    doc = yaml.safe_load(open("graph_model/schema.yaml", encoding="utf-8"))
    doc["labels"]["Penalty"]["properties"]["fine"]["values"] = [100, 200]
    with pytest.raises(SchemaError, match="Penalty.fine: values must be"):
        parse_schema(doc, frozenset(REGISTRY))
