"""Identifier types: one registry that every part of creditkb validates codes with.

The schema's property types name the entries of :data:`REGISTRY` (``uscc``, ``ric``,
``plate``, ``vessel_id``, ``imo``, ``region_code``).  Each type offers

* :meth:`IdentifierType.clean` for one value: the canonical form, or
  :class:`IdentifierError` naming the value and the reason; and
* :meth:`IdentifierType.check_series` for a whole column, vectorised with pandas string
  methods and numpy lookup tables, because loaders run it over millions of rows.

Both apply the same normalisation (NFKC, so full-width characters become half-width;
upper case; separators removed) and the same checks in the same order, so they agree on
every value and give the same reason; the tests check this with hypothesis.

One module per type (:mod:`~graph_model.identifiers.uscc`, ``ric``, ``plate``,
``vessel_id``, ``imo``, ``region_code``) builds on what :mod:`~graph_model.identifiers.base`
gives them all.  Check characters follow the packages that maintain them: the USCC
alphabet is ``stdnum.cn.uscc``'s, the single-value checks call ``stdnum.cn.uscc`` and
``stdnum.cn.ric``, and region parts are checked against :mod:`graph_model.regions`.

Resident ID numbers are personal data: creditkb never stores the clear number.  Loaders
keep only :func:`protect_ric`'s keyed hash (the Person key) and masked form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph_model.identifiers.base import (
    _SEPARATORS, IdentifierError, IdentifierType, _lengths, _text_array,
)
from graph_model.identifiers.imo import Imo
from graph_model.identifiers.plate import (
    _PLATE_SEPARATORS, PLATE, PLATE_PROVINCES, Plate, province_of_plate,
)
from graph_model.identifiers.region_code import RegionCode
from graph_model.identifiers.ric import RIC, Ric, protect_ric, protect_ric_series
from graph_model.identifiers.uscc import NATIONAL_REGISTRATION_CODE, Uscc
from graph_model.identifiers.vessel_id import VesselId

__all__ = [
    "IdentifierError",
    "IdentifierType",
    "Uscc",
    "Ric",
    "Plate",
    "VesselId",
    "Imo",
    "RegionCode",
    "REGISTRY",
    "SUBJECT_LABELS",
    "PLATE_PROVINCES",
    "NATIONAL_REGISTRATION_CODE",
    "clean",
    "guess_subject_label",
    "guess_subject_labels",
    "protect_ric",
    "protect_ric_series",
    "province_of_plate",
]

#: Every identifier type by the name the schema uses.
REGISTRY: dict[str, IdentifierType] = {
    t.name: t for t in (Uscc(), RIC, PLATE, VesselId(), Imo(), RegionCode())
}

#: Identifier type of each subject label's key code.
SUBJECT_LABELS: dict[str, str] = {
    "uscc": "Enterprise", "ric": "Person", "plate": "Vehicle", "vessel_id": "Vessel",
}


def clean(type_name: str, value: object) -> str:
    """``REGISTRY[type_name].clean(value)``.

    Raises
    ------
    KeyError
        For an unknown type name.
    IdentifierError
        For an empty or invalid value.
    """
    try:
        kind = REGISTRY[type_name]
    except KeyError:
        raise KeyError(f"unknown identifier type {type_name!r}; known: "
                       f"{', '.join(REGISTRY)}") from None
    return kind.clean(value)


def guess_subject_label(code: object) -> str | None:
    """The subject label whose key type accepts ``code``; None when none or several do.

    Examples
    --------
    >>> guess_subject_label("苏E12345")
    'Vehicle'
    """
    hits = [label for t, label in SUBJECT_LABELS.items() if REGISTRY[t].is_valid(code)]
    return hits[0] if len(hits) == 1 else None


def _accepted(kind: IdentifierType, arr: np.ndarray) -> np.ndarray:
    """Which values of an array of normalised str ``kind`` accepts (no reasons needed)."""
    ok = np.zeros(len(arr), dtype=bool)
    rows = np.flatnonzero(np.isin(_lengths(arr), kind.lengths))
    ok[rows] = pd.isna(kind._problems(arr[rows]))
    return ok


def guess_subject_labels(s: pd.Series) -> pd.Series:
    """:func:`guess_subject_label` for a column, vectorised (None where no single match)."""
    text = _text_array(s)
    present = np.flatnonzero(~pd.isna(text))
    raw = text[present]
    kinds = [REGISTRY[t] for t in SUBJECT_LABELS]
    hits = np.column_stack([_accepted(k, raw) for k in kinds])
    # A value some type accepts as it is has no separators, lower case or full-width
    # characters, so normalising would not change it: only the others are normalised.
    redo = np.flatnonzero(~hits.any(axis=1))
    if redo.size:
        common = pd.Series(raw[redo], dtype=object).str.normalize("NFKC").str.upper()
        common = common.str.replace(_SEPARATORS, "", regex=True)
        plate = common.str.replace(_PLATE_SEPARATORS, "", regex=True)
        by_separators = {_SEPARATORS: common.to_numpy(dtype=object),
                         _PLATE_SEPARATORS: plate.to_numpy(dtype=object)}
        hits[redo] = np.column_stack([_accepted(k, by_separators[k._separators]) for k in kinds])
    labels = np.full(len(s), None, dtype=object)
    single = hits.sum(axis=1) == 1
    names = np.array(list(SUBJECT_LABELS.values()), dtype=object)
    labels[present[single]] = names[hits[single].argmax(axis=1)]
    return pd.Series(labels, index=s.index, dtype=object, name=s.name)
