"""The first pass of ``mask_ric_text`` (Arrow's RE2 over a whole column) must find every
cell the exact pattern (Python's, with look-around) masks a number in: a cell it passes
over is never looked at again.  It may find more; the exact pattern decides."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_model.personal_data import _CANDIDATE, _RIC_IN_TEXT, mask_ric_text

ZHANG = "320502199001011234"
# Digits (ASCII and full-width), code letters, the check character, separators, a label's
# characters and what may stand around a number.
ALPHABET = list("0123456789０１２３４５６７８９XxＸａＡaZ -－:：号码身份证件\u3000\n,") + ["身份证号"]


def candidates(cells: list[str]) -> list[bool]:
    return pc.match_substring_regex(pa.array(cells, pa.string()), _CANDIDATE.pattern).to_pylist()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ALPHABET), min_size=14, max_size=40).map("".join),
       st.sampled_from(["", ZHANG, "320502900101123", "３２０５０２１９９００１０１１２３Ｘ"]),
       st.integers(0, 40))
def test_every_cell_the_exact_pattern_matches_is_a_candidate(noise, number, at):
    text = noise[:at] + number + noise[at:]
    if _RIC_IN_TEXT.search(text):
        assert candidates([text]) == [True], text


def test_a_code_longer_than_a_number_is_no_candidate_and_stays_as_written():
    cells = ["360100-20190102-0000000", "6222 0212 3456 7890 123", "苏E12345"]
    assert candidates(cells) == [False] * 3
    cells.append(f"{ZHANG}{ZHANG}")  # a candidate (15 digits at the end), found no number
    masked, hit = mask_ric_text(pd.Series(cells, dtype="string"))
    assert masked.tolist() == cells and not hit.any()


def test_numbers_at_a_cells_edges_and_labelled_are_candidates_and_masked():
    cells = [ZHANG, f"当事人{ZHANG}违规", "身份证号：320502900101123", f"x\n{ZHANG}\n"]
    assert candidates(cells) == [True] * 4
    _, hit = mask_ric_text(pd.Series(cells, dtype="string"))
    assert hit.all()
