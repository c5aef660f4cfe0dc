"""The exchange format as the generator writes it: the file kinds, the columns and
canonical headers of each (from loaders/kinds.yaml), the subject words, and CSV
writing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from graph_model.csv_safety import FORMULA_PATTERN, to_csv
from graph_model.enums import SubjectKind
from loaders.kinds import kinds as exchange_kinds


#: The columns written of each kind, in the order of EXCHANGE_FORMAT.md.
COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprises": ("uscc", "name", "business_type", "region_code", "legal_rep_name",
                    "legal_rep_id", "phone", "address", "established", "status"),
    "vehicles": ("plate", "plate_color", "vehicle_type", "owner_uscc", "transport_cert",
                 "region_code"),
    "vessels": ("vessel_id", "name", "imo", "vessel_type", "owner_uscc", "operator_uscc",
                "region_code"),
    "practitioners": ("id_number", "name", "role", "cert_no", "employer_uscc", "plates",
                      "vessel_ids", "region_code"),
    "penalties": ("decision_no", "subject_kind", "subject_id", "violation", "penalty_type", "fine",
                  "decision_date", "agency", "agency_region", "severity", "status"),
    "evaluations": ("subject_kind", "subject_id", "scheme", "grade", "score", "period", "agency",
                    "agency_region", "valid_from", "valid_to"),
    "list_entries": ("list_kind", "subject_kind", "subject_id", "listed_on", "removed_on",
                     "reason", "agency", "agency_region"),
    "agreements": ("name", "member_regions", "effective_from", "effective_to", "schemes",
                   "list_kinds"),
    "repairs": ("decision_no", "mode", "repaired_on", "agency", "agency_region", "evidence"),
    "commitments": ("subject_kind", "subject_id", "kind", "made_on", "due_on", "status",
                    "agency", "agency_region"),
    "jurisdictions": ("agency", "agency_code", "level", "regions", "effective_from"),
}
#: The further kinds (second release) are written with the columns of loaders/kinds.yaml,
#: in its order, but those it accepts beyond the format: a firm named without its code, and
#: 对象类型 where a kind is about one kind of subject (an alarm, about a vehicle).
FURTHER_KINDS = ("fine_payments", "accidents", "inspections", "monitoring_alarms", "port_calls",
                 "complaints", "reviews", "point_entries", "objections")
#: Columns creditkb writes itself beyond the format, never an agency's export (rule 21: a
#: record's corrected version, an objection's lifecycle), by kind.
WRITTEN_BY_CREDITKB = {
    "point_entries": {"supersedes", "objection_no"},
    "objections": {"filed_by", "attachments", "record_uid", "accepted_on", "review_on", "due_on",
                   "decision_reason", "correction"},
}
COLUMNS.update({
    kind: tuple(c for c in exchange_kinds()[kind].columns if c != "subject_name" and not (
        c == "subject_kind" and len(exchange_kinds()[kind].subjects) == 1)
        and c not in WRITTEN_BY_CREDITKB.get(kind, ()))
    for kind in FURTHER_KINDS})

#: The file kinds written, in the order of loaders/kinds.yaml (the order they are written in).
KINDS: tuple[str, ...] = tuple(k for k in exchange_kinds() if k in COLUMNS)

#: The canonical Chinese headers of those columns (loaders/kinds.yaml).
HEADERS: dict[str, tuple[str, ...]] = {
    kind: tuple(exchange_kinds()[kind].columns[c].header for c in columns)
    for kind, columns in COLUMNS.items()
}

#: The exchange format's subject words, 企业 车辆 船舶 人员 (graph_model/schema.yaml).
SUBJECT_KINDS: tuple[str, ...] = tuple(SubjectKind)
ENT, VEH, VES, PER = (SUBJECT_KINDS.index(w) for w in ("企业", "车辆", "船舶", "人员"))

CHUNK_ROWS = 250_000

Progress = Callable[[str, int], None]


def write_csv(path: Path, kind: str,
              frames: Iterable[pd.DataFrame | pa.Table] | pd.DataFrame,
              progress: Progress | None = None) -> Path:
    """Write ``frames`` as one UTF-8 CSV with the canonical header of ``kind``.

    Parameters
    ----------
    frames : pandas or Arrow tables
        Arrow tables (the monitoring alarms, by the million) are written by Arrow's CSV
        writer, as pandas would write them: no quotes (no cell needs one), empty cells for
        nulls; a table with a cell that needs quoting or that a spreadsheet would run as a
        formula is written through pandas and :func:`graph_model.csv_safety.to_csv`.
    progress : callable, optional
        Called as ``progress(kind, rows)`` after every chunk with the rows just written.
    """
    if isinstance(frames, pd.DataFrame):
        frames = [frames]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADERS[kind]) + "\n")
        for frame in frames:
            if not isinstance(frame, pa.Table) or not _write_plain(frame, f):
                frame = frame.to_pandas() if isinstance(frame, pa.Table) else frame
                to_csv(frame, f, header=False, index=False, lineterminator="\n")
            if progress is not None:
                progress(kind, len(frame))
    return path


def _write_plain(table: pa.Table, f) -> bool:
    """Write ``table`` by Arrow into the text file ``f`` when no cell needs quoting or a
    spreadsheet would run it as a formula; False (nothing written) otherwise."""
    for col in table.columns:
        if pa.types.is_string(col.type) and pc.any(pc.match_substring_regex(
                col, FORMULA_PATTERN)).as_py():
            return False
    data = io.BytesIO()
    try:
        pcsv.write_csv(table, data, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    except pa.ArrowInvalid:  # a comma, quote or line break in a cell
        return False
    f.flush()
    f.buffer.write(data.getvalue())
    return True
