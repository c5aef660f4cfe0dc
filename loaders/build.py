"""From a file's valid rows to the nodes and edges they state, one small function per kind.

Everything is column-wise: each function returns frames for ``Writer.upsert_nodes`` and
``Writer.upsert_edges``.  Resident ID numbers are turned into a keyed hash and a masked
form here, and the clear number goes no further.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graph_model.identifiers import protect_ric_series
from graph_model.names import fold_text, normalise_names
from graph_model.regions import known_codes
from graph_model.schema import schema
from loaders.validate import FIRST_DATA_ROW, resident_ids

SUBJECT_COLUMNS = ("subject_label", "subject_id")
#: Each row's subject uid, carried from the checks to the builders (never a property).
SUBJECT_UID = "_subject_uid"


@dataclass
class _Part:
    frame: pd.DataFrame
    distinct: bool  # known to repeat no key (a node frame) or no (src, dst) pair (edges)


@dataclass
class Batch:
    nodes: dict[str, list[_Part]] = field(default_factory=dict)
    edges: dict[str, list[_Part]] = field(default_factory=dict)

    def node(self, label: str, frame: pd.DataFrame, distinct: bool = False) -> None:
        """``distinct``: the caller knows that no key repeats in ``frame``."""
        if len(frame):
            self.nodes.setdefault(label, []).append(_Part(_with_row(frame), distinct))

    def edge(self, rel_type: str, src: pd.Series, dst: pd.Series, *,
             src_distinct: bool | None = None, **props) -> None:
        """``src_distinct``: whether ``src`` repeats no value, when the caller knows."""
        frame = pd.DataFrame({"src": src, "dst": dst, **props}).dropna(subset=["src", "dst"])
        if len(frame):
            if src_distinct is None:
                src_distinct = frame["src"].is_unique
            if not src_distinct:  # else no (src, dst) pair can repeat
                frame = frame.drop_duplicates(["src", "dst"])
            self.edges.setdefault(rel_type, []).append(_Part(_with_row(frame), True))

    def merged(self):
        """(label, frame) and (type, frame) pairs, one frame each, nodes first."""
        nodes = [(k, _merge(v, [_key(v[0].frame)])) for k, v in self.nodes.items()]
        edges = [(k, _merge(v, ["src", "dst"])) for k, v in self.edges.items()]
        return nodes, edges


def _merge(parts: list[_Part], key: list[str]) -> pd.DataFrame:
    """The parts as one frame, the last of rows with the same key kept."""
    if len(parts) == 1 and parts[0].distinct:
        return parts[0].frame.reset_index(drop=True)
    return pd.concat([p.frame for p in parts], ignore_index=True).drop_duplicates(key, keep="last")


def _with_row(frame: pd.DataFrame) -> pd.DataFrame:
    """The file row each node or edge comes from, for its provenance: every frame here is
    indexed by the position of its row in the file."""
    return frame.assign(_row=frame.index.to_numpy() + FIRST_DATA_ROW)


def _key(frame: pd.DataFrame) -> str:
    return frame.columns[0]  # every node frame below puts its key property first


def uid(label: str, keys: pd.Series) -> pd.Series:
    return (label + ":" + keys.astype("string")).astype("string")


def person_keys(ids: pd.Series, secret: str) -> tuple[pd.Series, pd.Series]:
    hashes, masked = protect_ric_series(ids, secret)
    return hashes.astype("string"), masked.astype("string")


def subject_uids(df: pd.DataFrame, secret: str) -> pd.Series:
    """uid of each row's subject (resident IDs hashed): the :data:`SUBJECT_UID` column
    when the checks have added it (see :func:`with_subject_uids`), else computed."""
    if SUBJECT_UID in df.columns:
        return df[SUBJECT_UID]
    keys = df["subject_id"].astype("string")
    people = (df["subject_label"] == "Person").fillna(False).to_numpy(dtype=bool)
    if people.any():
        hashes = np.full(len(keys), None, dtype=object)
        hashes[people] = person_keys(keys[people], secret)[0].to_numpy(dtype=object)
        keys = keys.where(~people, pd.Series(hashes, index=keys.index, dtype="string"))
    return (df["subject_label"].astype("string") + ":" + keys).astype("string")


def with_subject_uids(df: pd.DataFrame, secret: str) -> pd.DataFrame:
    """``df`` with each row's subject uid in the :data:`SUBJECT_UID` column, computed (and
    resident IDs hashed) once for the dangling-reference check, the quality checks and the
    builders. A frame without subjects is returned as it is."""
    if "subject_id" not in df.columns:
        return df
    return df.assign(**{SUBJECT_UID: subject_uids(df.drop(columns=SUBJECT_UID, errors="ignore"),
                                                  secret)})


def agency_uids(batch: Batch, df: pd.DataFrame) -> pd.Series:
    """Agency nodes named by (agency, agency_region) and their uids."""
    if "agency" not in df or "agency_region" not in df:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    names = fold_text(df["agency"])
    keys = (df["agency_region"].astype("string") + "|" + names).astype("string")
    agencies = pd.DataFrame({"agency_key": keys, "name": names,
                             "region_code": df["agency_region"]}).dropna().drop_duplicates("agency_key")
    batch.node("Agency", agencies, distinct=True)
    batch.edge("LOCATED_IN", uid("Agency", agencies["agency_key"]),
               uid("Region", agencies["region_code"]))
    return uid("Agency", keys)


def _props(df: pd.DataFrame, first: str, columns) -> pd.DataFrame:
    cols = [first] + [c for c in columns if c in df.columns and c != first]
    return df[cols]


def extra_columns(df: pd.DataFrame, known) -> list[str]:
    """Columns the exchange format does not name: kept as properties."""
    derived = ("name_norm", "phone_norm", "address_norm")
    return [c for c in df.columns if c not in known and c not in SUBJECT_COLUMNS + derived]


def norm_phone(phones: pd.Series) -> pd.Series:
    digits = phones.astype("string").str.replace(r"\D", "", regex=True)
    return digits.where(digits.str.len() > 0)


def norm_address(addresses: pd.Series) -> pd.Series:
    text = fold_text(addresses).str.replace(r"[\-_,.;:，。、；：（）()#]", "", regex=True)
    return text.where(text.str.len() > 0)


def validity(df: pd.DataFrame, prefix: str, rows=None) -> dict[str, pd.Series]:
    """valid_from / valid_to of a relationship from the row's <prefix>_since / _until."""
    out = {}
    for col, prop in ((f"{prefix}_since", "valid_from"), (f"{prefix}_until", "valid_to")):
        if col in df.columns:
            out[prop] = df[col] if rows is None else df.loc[rows, col]
    return out


def build_enterprises(df, batch, secret, kind):
    df = df.copy()
    df["name_norm"] = normalise_names(df["name"])
    if "phone" in df:
        df["phone_norm"] = norm_phone(df["phone"])
    if "address" in df:
        df["address_norm"] = norm_address(df["address"])
    props = ["name", "name_norm", "business_type", "region_code", "phone", "phone_norm", "address",
             "address_norm", "established", "status", "status_date"] + extra_columns(df, kind.columns)
    batch.node("Enterprise", _props(df, "uscc", props))
    firms = uid("Enterprise", df["uscc"])
    batch.edge("LOCATED_IN", firms, uid("Region", df["region_code"]))
    if "legal_rep_id" in df:
        reps = df[df["legal_rep_id"].notna()]
        hashes, masked = person_keys(reps["legal_rep_id"], secret)
        people = pd.DataFrame({"id_hash": hashes, "id_masked": masked,
                               "name": reps.get("legal_rep_name")})
        batch.node("Person", people)
        batch.edge("LEGAL_REPRESENTATIVE_OF", uid("Person", hashes), firms[reps.index],
                   **validity(df, "legal_rep", reps.index))


def build_vehicles(df, batch, secret, kind):
    props = ["plate_color", "vehicle_type", "transport_cert", "region_code"] + \
        extra_columns(df, kind.columns)
    batch.node("Vehicle", _props(df, "plate", props))
    vehicles = uid("Vehicle", df["plate"])
    batch.edge("LOCATED_IN", vehicles, uid("Region", df["region_code"]))
    if "owner_uscc" in df:
        batch.edge("OWNS", uid("Enterprise", df["owner_uscc"]), vehicles, **validity(df, "owned"))


def build_vessels(df, batch, secret, kind):
    props = ["name", "imo", "vessel_type", "region_code"] + extra_columns(df, kind.columns)
    batch.node("Vessel", _props(df, "vessel_id", props))
    vessels = uid("Vessel", df["vessel_id"])
    batch.edge("LOCATED_IN", vessels, uid("Region", df["region_code"]))
    for col, rel, prefix in (("owner_uscc", "OWNS", "owned"), ("operator_uscc", "OPERATES", "operated")):
        if col in df:
            batch.edge(rel, uid("Enterprise", df[col]), vessels, **validity(df, prefix))


def build_practitioners(df, batch, secret, kind):
    hashes, masked = person_keys(df["id_number"], secret)
    people = df.drop(columns=["id_number", "employer_uscc", "employer_name", "employed_since",
                              "employed_until", "plates", "vessel_ids"], errors="ignore")
    people.insert(0, "id_masked", masked)
    people.insert(0, "id_hash", hashes)
    batch.node("Person", people)
    persons = uid("Person", hashes)
    if "region_code" in df:
        batch.edge("LOCATED_IN", persons, uid("Region", df["region_code"]))
    if "employer_uscc" in df:
        batch.edge("EMPLOYED_BY", persons, uid("Enterprise", df["employer_uscc"]),
                   **validity(df, "employed"))
    for col, label, rel in (("plates", "Vehicle", "DRIVES"), ("vessel_ids", "Vessel", "SERVES_ON")):
        if col in df:
            pairs = pd.DataFrame({"p": persons, "x": df[col]}).explode("x").dropna()
            batch.edge(rel, pairs["p"], uid(label, pairs["x"]))


def _record(df, batch, secret, kind, label, key, key_values, skip=(), links=None, subject=None):
    """Nodes of a record kind about a subject, with their ABOUT and ISSUED_BY targets (and
    ``links``) as link columns (see ``Writer.upsert_nodes``): a record is written as one row.
    ``subject``: each row's subject uid, when the file does not name it in ``subject_id``."""
    records = df.drop(columns=["subject_kind", "subject_id", "subject_label", "agency",
                               SUBJECT_UID, *skip], errors="ignore")
    key_values = _version_keys(df, key_values)
    records.insert(0, key, key_values)
    issued = label in schema().rel("ISSUED_BY").from_labels
    if issued:
        issuers = agency_uids(batch, df)  # the agencies go into the batch before the records
    if subject is None and "subject_id" in df:
        subject = subject_uids(df, secret)
    if subject is not None:
        records["subject_uid"] = subject
        records["ABOUT"] = subject
    if "agency" in df:
        records["agency"] = df["agency"]
    if issued:
        records["ISSUED_BY"] = issuers
    for rel_type, targets in (links or {}).items():
        records[rel_type] = targets
    # (exact duplicate rows repeat a record)
    batch.node(label, records, distinct=uid(label, key_values).is_unique)


def _version_keys(df: pd.DataFrame, key_values: pd.Series) -> pd.Series:
    """A corrected version (a row naming the record it ``supersedes``, rule 21) is a record
    of its own, never an overwrite of the one it corrects: its key is the corrected
    record's with ``#更正:<objection number>`` appended."""
    if "supersedes" not in df or "objection_no" not in df:
        return key_values
    versioned = df["supersedes"].notna() & df["objection_no"].notna()
    if not versioned.any():
        return key_values
    return key_values.where(~versioned, key_values + "#更正:" + df["objection_no"])


def _numbered(label: str, number: str):
    """The builder of a record kind keyed by a number the file gives (事故编号, ...)."""
    def build_numbered(df, batch, secret, kind):
        _record(df, batch, secret, kind, label, number, df[number], skip=(number,))
    build_numbered.__name__ = f"build_{label.lower()}"
    return build_numbered


def build_penalties(df, batch, secret, kind):
    _record(df, batch, secret, kind, "Penalty", "decision_no", df["decision_no"],
            skip=("decision_no",))


def build_evaluations(df, batch, secret, kind):
    subj = subject_uids(df, secret)
    key = subj + "|" + df["scheme"] + "|" + df["agency_region"] + "|" + df["valid_from"]
    _record(df, batch, secret, kind, "Evaluation", "evaluation_key", key)


def build_list_entries(df, batch, secret, kind):
    subj = subject_uids(df, secret)
    key = df["list_kind"] + "|" + subj + "|" + df["agency_region"] + "|" + df["listed_on"]
    _record(df, batch, secret, kind, "ListEntry", "entry_key", key)


def build_commitments(df, batch, secret, kind):
    subj = subject_uids(df, secret)
    # keyed with the accepting agency's region, as list entries and evaluations are: a
    # partner's commitment of the same kind and day is its own record, never this one
    region = df["agency_region"].fillna("") if "agency_region" in df else ""
    key = subj + "|" + df["kind"] + "|" + region + "|" + df["made_on"]
    _record(df, batch, secret, kind, "Commitment", "commitment_key", key)


def build_repairs(df, batch, secret, kind):
    key = df["decision_no"] + "|" + df["repaired_on"]
    _record(df, batch, secret, kind, "Repair", "repair_key", key,
            links={"REPAIRS": uid("Penalty", df["decision_no"])})


def build_fine_payments(df, batch, secret, kind):
    """Keyed by decision number, day and receipt number: a payment in two parts on one
    day has two receipts.  Without a receipt number the amount stands in for it."""
    amount = "¥" + df["amount"].map("{:.2f}".format).astype("string")
    tail = df["receipt_no"].fillna(amount) if "receipt_no" in df else amount
    key = df["decision_no"] + "|" + df["paid_on"] + "|" + tail
    _record(df, batch, secret, kind, "FinePayment", "payment_key", key,
            links={"PAYS": uid("Penalty", df["decision_no"])})


def build_reminders(df, batch, secret, kind):
    """Keyed by decision number, issuing region and the end of the minimum period: one
    reminder per penalty, region and period, however often the reminders are issued."""
    key = df["decision_no"] + "|" + df["region"] + "|" + df["minimum_end"]
    _record(df, batch, secret, kind, "Reminder", "reminder_key", key)


def build_port_calls(df, batch, secret, kind):
    """A call is about its vessel: keyed by vessel, port region and day of arrival."""
    vessels = uid("Vessel", df["vessel_id"])
    key = vessels + "|" + df["port_region"] + "|" + df["arrived_on"]
    _record(df, batch, secret, kind, "PortCall", "port_call_key", key, skip=("vessel_id",),
            subject=vessels)


def build_reviews(df, batch, secret, kind):
    """An evaluator who is a person (a student, a passenger) is kept as the keyed hash and
    masked form of the resident ID number, as a Person is; the number goes no further."""
    if "evaluator" in df:
        ids = df["evaluator"].astype("string")
        people = resident_ids(ids)[0].to_numpy(dtype=bool)
        df = df.drop(columns=["evaluator"]).assign(evaluator_id=ids.where(~people))
        if people.any():
            hashes, masked = person_keys(ids[people], secret)
            df = df.assign(evaluator_hash=hashes.reindex(df.index),
                           evaluator_masked=masked.reindex(df.index))
    _record(df, batch, secret, kind, "Review", "review_no", df["review_no"], skip=("review_no",))


def build_agreements(df, batch, secret, kind):
    keys = fold_text(df["name"])
    agreements = df.copy()
    agreements.insert(0, "agreement_key", keys)
    batch.node("Agreement", agreements.drop(columns=["member_regions"]))
    members = pd.DataFrame({"a": uid("Agreement", keys), "r": df["member_regions"]}).explode("r").dropna()
    batch.edge("MEMBER_OF", uid("Region", members["r"]), members["a"])


def build_jurisdictions(df, batch, secret, kind):
    """Agencies whose records bind beyond their seat (#8, #19): one Agency node per row,
    keyed by its code and normalised name, with its level, the regions where its records
    and grades bind, and the day that holds from.  The rules find an agency's jurisdiction
    by its normalised name, so the records filed under its seat's region follow it."""
    names = fold_text(df["agency"])
    keys = (df["agency_code"].astype("string") + "|" + names).astype("string")
    seat = df["agency_code"].where(df["agency_code"].isin(known_codes()))
    agencies = pd.DataFrame({"agency_key": keys, "name": names, "region_code": seat,
                             **{c: df[c] for c in ("agency_code", "level", "regions",
                                                   "effective_from") if c in df.columns}})
    batch.node("Agency", agencies)
    located = agencies.dropna(subset=["region_code"])
    batch.edge("LOCATED_IN", uid("Agency", located["agency_key"]),
               uid("Region", located["region_code"]))


BUILDERS = {
    "enterprises": build_enterprises, "vehicles": build_vehicles, "vessels": build_vessels,
    "practitioners": build_practitioners, "penalties": build_penalties,
    "evaluations": build_evaluations, "list_entries": build_list_entries,
    "agreements": build_agreements, "repairs": build_repairs, "commitments": build_commitments,
    "fine_payments": build_fine_payments, "reminders": build_reminders, "port_calls": build_port_calls,
    "reviews": build_reviews,
    "accidents": _numbered("Accident", "accident_no"),
    "inspections": _numbered("Inspection", "inspection_no"),
    "monitoring_alarms": _numbered("MonitoringAlarm", "alarm_no"),
    "complaints": _numbered("Complaint", "complaint_no"),
    "point_entries": _numbered("PointEntry", "entry_no"),
    "objections": _numbered("Objection", "objection_no"),
    "credit_reports": _numbered("CreditReport", "report_no"),
    "jurisdictions": build_jurisdictions,
}


def build(kind, df: pd.DataFrame, secret: str) -> Batch:
    batch = Batch()
    BUILDERS[kind.name](df, batch, secret, kind)
    return batch


def references(kind_name: str, df: pd.DataFrame, secret: str) -> list[tuple[str, pd.Series]]:
    """For each column that names another node: (column, uid per row, exploded for lists).
    Rows whose referenced node exists neither in the store nor in this file are rejected."""
    refs = []
    if "subject_id" in df:
        refs.append(("subject_id", subject_uids(df, secret)))
    for col, label in (("owner_uscc", "Enterprise"), ("operator_uscc", "Enterprise"),
                       ("employer_uscc", "Enterprise")):
        if col in df:
            refs.append((col, uid(label, df[col].dropna())))
    for col, label in (("plates", "Vehicle"), ("vessel_ids", "Vessel")):
        if col in df:
            refs.append((col, uid(label, df[col].explode().dropna())))
    if kind_name in ("repairs", "fine_payments"):
        refs.append(("decision_no", uid("Penalty", df["decision_no"])))
    if kind_name == "port_calls":
        refs.append(("vessel_id", uid("Vessel", df["vessel_id"])))
    return refs
