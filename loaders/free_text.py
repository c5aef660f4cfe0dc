"""Resident ID numbers in free text, masked at load.

A clerk may write a person's number into any text cell: a listing reason
("当事人身份证号3205...驾驶..."), a commitment kind, a name, a column the exchange format
does not know.  Those cells are stored as written and served to partners, so before a
file is checked every text cell is scanned (:func:`graph_model.personal_data.mask_ric_text`)
and a number found is masked in place, as the store masks ``id_masked``.  The row is kept:
the record is still true and needed (a penalty, a listing), only the number goes.  Each
column where numbers were masked becomes a data-quality finding naming its rows, never
the number.

Columns of a checked type are not scanned: a resident-ID column is hashed, and any other
code, date or number that is not what it should be is rejected (its report value is
protected by :mod:`loaders.rejects`).
"""

from __future__ import annotations

import pandas as pd

from graph_model.personal_data import mask_ric_text
from loaders.kinds import Kind
from loaders.quality import QualityState
from loaders.validate import FIRST_DATA_ROW

#: column types whose cells are text as written (``list`` without an item type too)
TEXT_TYPES = ("string", "list")
FINDING = "resident_id_in_text"


def text_columns(kind: Kind, frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` kept as written: text columns of the kind, and the
    columns it does not name (kept as extra properties)."""
    out = []
    for name in frame.columns:
        col = kind.columns.get(name)
        if col is None or (col.type in TEXT_TYPES and col.item_type is None):
            out.append(name)
    return out


def mask_free_text(kind: Kind, frame: pd.DataFrame, state: QualityState) -> pd.DataFrame:
    """``frame`` (indexed by row position in the file) with the resident ID numbers in
    its text cells masked; a finding for each column where some were."""
    masked = {}
    for name in text_columns(kind, frame):
        cells, hit = mask_ric_text(frame[name])
        if hit.any():
            masked[name] = cells
            col = kind.columns.get(name)
            shown = f"{col.header} ({name})" if col else name
            shown = shown.replace("{", "{{").replace("}", "}}")  # a message template
            state.note(f"{FINDING}:{name}", frame.index[hit] + FIRST_DATA_ROW,
                       f"{{n}} row(s) hold a resident ID number in {shown}; it was masked "
                       f"before loading")
    return frame.assign(**masked) if masked else frame
