"""Entity resolution by name: a row that names a firm without its USCC is linked to the
stored firm with the same normalised name (graph_model.names) when exactly one has it,
and is rejected, saying why, when none or several do."""

from __future__ import annotations

import pandas as pd

from graph_model.schema import schema
from graph_model.store.port import Store
from graph_model.names import normalise_names
from loaders.build import SUBJECT_UID
from loaders.kinds import Kind
from loaders.lookups import SubjectLookups
from loaders.validate import FIRST_DATA_ROW, REJECT_COLUMNS

LOOKUP_CHUNK = 500


def firms_by_name(store: Store, names: list[str]) -> dict[str, list[str]]:
    """Normalised name -> USCCs of the stored enterprises bearing it."""
    found: dict[str, list[str]] = {}
    for i in range(0, len(names), LOOKUP_CHUNK):
        for node in store.iter_nodes("Enterprise", {"name_norm": names[i:i + LOOKUP_CHUNK]}):
            found.setdefault(node.props["name_norm"], []).append(node.key)
    return found


def resolve_names(store: Store, path: str, kind: Kind, df: pd.DataFrame):
    """Fill USCC columns from their stand-in name columns; return (rows, rejects)."""
    parts, bad = [], set()
    for code_col, name_col in kind.stand_ins().items():
        if name_col not in df.columns or code_col not in df.columns:
            continue
        need = df[code_col].isna() & df[name_col].notna()
        if code_col == "subject_id":
            need &= df["subject_label"] == "Enterprise"
        if not need.any():
            continue
        names = normalise_names(df.loc[need, name_col])
        firms = firms_by_name(store, names.dropna().unique().tolist())
        # A plain object Series of lists: mapping an Arrow-backed string column to lists
        # would give an Arrow list column, which has no .str accessor.
        hits = pd.Series([firms.get(n, []) if isinstance(n, str) else [] for n in names],
                         index=names.index, dtype=object)
        counts = hits.map(len)
        unique = counts == 1
        if unique.any():
            df.loc[unique[unique].index, code_col] = [codes[0] for codes in hits[unique]]
        for rows, reason in (
            (hits.index[counts == 0], "no enterprise with this name in the store"),
            (hits.index[counts > 1], None),
        ):
            if len(rows) == 0:
                continue
            reasons = reason or hits[rows].map(
                lambda codes: f"{len(codes)} enterprises have this name ({', '.join(sorted(codes)[:5])}); "
                              f"give the USCC")
            parts.append(pd.DataFrame({"file": path, "row": rows + FIRST_DATA_ROW, "column": name_col,
                                       "value": df.loc[rows, name_col].astype("string").to_numpy(),
                                       "reason": reasons if isinstance(reasons, str) else reasons.to_numpy()}))
            bad.update(rows.tolist())
    rejects = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REJECT_COLUMNS)
    return df.drop(index=list(bad)), rejects


def with_subject_regions(subjects: SubjectLookups, kind: Kind, df: pd.DataFrame) -> pd.DataFrame:
    """Records whose label keeps ``subject_region`` (penalties) get the region where their
    subject is registered, read from the stored subject (through ``subjects``, made with
    :func:`loaders.lookups.subject_props`): its home regulator sees the record too
    (DOMAIN.md rule 18).  Rows naming a subject not in the store are gone by now (rejected
    as dangling)."""
    if ("subject_region" not in schema().label(kind.label).properties
            or SUBJECT_UID not in df.columns or df.empty):
        return df
    return df.assign(subject_region=subjects.values(df[SUBJECT_UID], "region_code"))
