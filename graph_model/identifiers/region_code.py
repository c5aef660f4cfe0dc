"""Administrative division codes (GB/T 2260), current or retired."""

from __future__ import annotations

import numpy as np

from graph_model import regions
from graph_model.identifiers.base import _Digits, _known_region, _number


class RegionCode(_Digits):
    name = "region_code"
    doc = ("Administrative division code (GB/T 2260): 6 digits naming a known division, "
           "current or retired (see graph_model.regions).")
    width = 6
    format_reason = "expected 6 digits"

    def problem(self, candidate: str) -> str | None:
        if not self._format_ok(candidate):
            return self.format_reason
        return None if regions.is_known(candidate) else "unknown region code"

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        out, rows, m = self._format_arrays(arr)
        out[rows[~_known_region(_number(m))]] = "unknown region code"
        return out
