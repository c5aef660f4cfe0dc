"""The nineteen source cases as text (tests/unit/data/cases_2024.txt), for the tests that
find every quote of the rule data word for word in the case it names."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

CASES = Path(__file__).parent.parent / "unit" / "data" / "cases_2024.txt"


@cache
def case_texts() -> dict[int, str]:
    """Each case's text (the nineteen of 000_88026755322b26ed.txt), white space removed."""
    text = CASES.read_text(encoding="utf-8")
    pos = text.index("\n", text.index("19.描绘信用长江"))  # the table of contents ends
    starts = []
    for n in range(1, 20):
        pos = text.index(f"\n{n}.", pos + 1)
        starts.append(pos)
    starts.append(len(text))
    return {n: re.sub(r"\s+", "", text[starts[n - 1]:starts[n]]) for n in range(1, 20)}


def walk(node, path=()):
    """Every (path, node) of a parsed YAML document, depth first."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))
