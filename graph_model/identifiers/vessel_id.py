"""Vessel identification numbers (船舶识别号)."""

from __future__ import annotations

import numpy as np

from graph_model.identifiers.base import _Digits


class VesselId(_Digits):
    name = "vessel_id"
    doc = "Vessel identification number (船舶识别号): 'CN' followed by 11 digits."
    width, prefix = 13, "CN"
    format_reason = "expected CN followed by 11 digits"

    def problem(self, candidate: str) -> str | None:
        return None if self._format_ok(candidate) else self.format_reason

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        return self._format_arrays(arr)[0]
