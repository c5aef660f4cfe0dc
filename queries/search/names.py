"""Finding subjects from what a regulator types: a code, a plate, a vessel number or a name.

* A whole identifier (USCC, plate, vessel identification number, resident ID number, or a
  node id) is looked up exactly (:func:`queries.search.subjects.subject_uid`; a resident ID is
  hashed as the loader hashes it).
* Anything else is matched against an index of enterprise and vessel names, plates and
  vessel numbers, normalised as the loader normalises firm names (full-width and
  half-width folded, spaces dropped, company forms unified): the score is the Dice
  coefficient of character bigrams, with a bonus when the text is contained whole, so
  "恒通危险品" and a typo such as "苏州恒通危险品运输公司" both find
  苏州恒通危险品运输有限公司.  Person names are never indexed: people are found by their
  resident ID number only.

The index is built per process on the first search (one pass over the subjects,
``Store.iter_nodes``) and rebuilt when the store's version changes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from graph_model.store.port import Store
from graph_model.i18n import message
from graph_model.errors import UserError
from graph_model.names import normalise_name
from graph_model.schema import SchemaError, schema
from queries.search.subjects import subject_uid

INDEXED = {"Enterprise": ("name",), "Vessel": ("name",), "Vehicle": ()}
MAX_CANDIDATES = 200
SCAN_PAGE = 20_000
TTL_S = 60.0  # stores that cannot tell their version are re-read at most this often


def _norm(text: str) -> str:
    return normalise_name(text).upper()


def _bigrams(text: str) -> set[str]:
    if len(text) < 2:
        return {text} if text else set()
    return {text[i:i + 2] for i in range(len(text) - 1)}


@dataclass
class _Index:
    uids: list[str]
    labels: np.ndarray  # label code per entry
    texts: list[str]  # normalised text per entry
    sizes: np.ndarray  # bigrams per entry
    postings: dict[str, np.ndarray]
    generation: object
    built_at: float


LABEL_CODES = {"Enterprise": 0, "Person": 1, "Vehicle": 2, "Vessel": 3}
SUBJECT_LABELS = frozenset(schema().subject_labels())


class NameIndex:
    def __init__(self, store: Store):
        self.store = store
        self._index: _Index | None = None
        self._lock = threading.Lock()

    def _current(self) -> _Index:
        gen = self.store.version()
        with self._lock:
            idx = self._index
            stale = idx is None or (gen is not None and idx.generation != gen) or (
                gen is None and time.monotonic() - idx.built_at > TTL_S)
            if stale:
                idx = self._index = self._build(gen)
            return idx

    def _build(self, gen) -> _Index:
        uids, labels, texts = [], [], []
        for label, props in INDEXED.items():
            for node in self.store.iter_nodes(label, page=SCAN_PAGE):
                values = [node.key] + [node.props.get(p) for p in props]
                for v in values:
                    if v:
                        uids.append(node.uid)
                        labels.append(LABEL_CODES[label])
                        texts.append(_norm(str(v)))
        postings: dict[str, list[int]] = {}
        sizes = np.zeros(len(texts), dtype=np.int32)
        for i, t in enumerate(texts):
            grams = _bigrams(t)
            sizes[i] = len(grams)
            for g in grams:
                postings.setdefault(g, []).append(i)
        return _Index(uids, np.array(labels, dtype=np.int8), texts, sizes,
                      {g: np.array(v, dtype=np.int32) for g, v in postings.items()},
                      gen, time.monotonic())

    def search(self, text: str, labels: set[str] | None = None,
               limit: int = MAX_CANDIDATES) -> list[tuple[str, float]]:
        """(uid, score) of the best matches, best first; a subject appears once."""
        idx = self._current()
        q = _norm(text)
        grams = _bigrams(q)
        if not grams or not idx.texts:
            return []
        hits = [idx.postings[g] for g in grams if g in idx.postings]
        if not hits:
            return []
        common = np.bincount(np.concatenate(hits), minlength=len(idx.texts))
        cand = np.nonzero(common)[0]
        score = 2.0 * common[cand] / (len(grams) + idx.sizes[cand])
        if labels is not None:
            keep = np.isin(idx.labels[cand], [LABEL_CODES[x] for x in labels])
            cand, score = cand[keep], score[keep]
        order = np.argsort(-score, kind="stable")[: limit * 4]
        best: dict[str, float] = {}
        for i in order:
            j = int(cand[i])
            s = float(score[i]) + (0.5 if q in idx.texts[j] else 0.0)
            if s < 0.35:
                continue
            uid = idx.uids[j]
            if s > best.get(uid, -1):
                best[uid] = s
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:limit]


def find_subjects(index: NameIndex, text: str, secret: str,
                  labels: set[str] | None = None) -> list[tuple[str, float]]:
    """(uid, score) of the subjects ``text`` names, best first: the one subject a whole
    identifier names (score 2), else the index's matches (persons never: they are found
    by their resident ID number only); only of ``labels`` when given.

    Raises
    ------
    graph_model.errors.UserError
        When ``text`` is empty or longer than 100 characters.
    """
    text = (text or "").strip()
    if not text or len(text) > 100:
        raise UserError(message("error.search.text_length"))
    try:
        exact = subject_uid(text, secret)
    except (UserError, SchemaError):  # not an identifier: search names
        exact = None
    if exact and exact.partition(":")[0] in SUBJECT_LABELS:
        if labels is None or exact.partition(":")[0] in labels:
            return [(exact, 2.0)]
        return []
    return index.search(text, labels - {"Person"} if labels else None)
