"""A subject's own key (issue 16 item 5): a firm sees its own records and objections, and
files and follows its objections; never another subject.

* It may ask only :data:`SUBJECT_KEY_FIELDS` (its identity, its own subject with its
  records and objections, one of its objections, filing one); any other root field is
  refused with the one FORBIDDEN answer.
* Its scope is its subject alone: any other subject it names gets the answer a missing one
  gets, after the same reads (:func:`subject_key_vis` is applied to what the visibility
  rule found, never instead of reading).
* Personal data (a legal representative's, a reviewer's id on its records) it reads
  masked, as a viewer does.

>>> subject_key_vis("Enterprise:X", "Enterprise:X", Vis.SHARED), subject_key_vis(
...     "Enterprise:X", "Enterprise:Y", Vis.OWN)
(<Vis.OWN: 3>, <Vis.NONE: 0>)
>>> may_ask("subject", "recognizedGrade"), may_ask("subject", "fileObjection"), may_ask("viewer", "related")
(False, True, True)
>>> from queries.access.visibility import personal_data_clear
>>> personal_data_clear(Vis.OWN, "subject"), personal_data_clear(Vis.OWN, "regulator")
(False, True)
"""

from __future__ import annotations

from queries.access.visibility import Vis

__all__ = ["SUBJECT_ROLE", "SUBJECT_KEY_FIELDS", "may_ask", "subject_key_vis"]

SUBJECT_ROLE = "subject"
#: The root fields a subject key may ask.
SUBJECT_KEY_FIELDS = frozenset({"me", "subject", "objection", "fileObjection"})


def may_ask(role: str, field: str) -> bool:
    """Whether a key of ``role`` may ask the root field ``field`` (only subject keys are
    limited here; the other roles' limits are their resolvers')."""
    return role != SUBJECT_ROLE or field in SUBJECT_KEY_FIELDS


def subject_key_vis(own: str | None, uid: str, found: Vis) -> Vis:
    """What a subject key whose subject is ``own`` sees of ``uid``: its own subject fully,
    nothing else, whatever the region rule ``found``."""
    return Vis.OWN if own is not None and uid == own else Vis.NONE
