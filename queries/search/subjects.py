"""Finding a subject from what a user types: a node id or a bare identifier."""

from __future__ import annotations

from graph_model.store.port import Node, Store
from graph_model.i18n import message
from graph_model.errors import UserError
from graph_model.identifiers import REGISTRY, IdentifierError, guess_subject_label, protect_ric
from graph_model.personal_data import redact_code
from graph_model.schema import SchemaError, schema, split_uid


def subject_uid(ref: str, secret: str) -> str:
    """The uid a reference names.

    ``ref`` is a uid (``"Vehicle:苏E12345"``) or a bare USCC, plate, vessel id or resident
    ID number (hashed with ``secret``, as the loader does).  A person's uid written with
    the resident ID number in place of its hash (``"Person:3205..."``) names the person
    that number hashes to: the number goes no further than here.

    Raises
    ------
    UserError
        When ``ref`` is neither, naming it (a resident ID number masked) and the reason.

    Examples
    --------
    >>> subject_uid("Vessel:CN20180001234", "k")
    'Vessel:CN20180001234'
    >>> subject_uid("Person:320583199209270735", "k") == subject_uid("320583199209270735", "k")
    True
    >>> subject_uid("Person:" + "0123456789abcdef" * 4, "k") == "Person:" + "0123456789abcdef" * 4
    True
    """
    ref = ref.strip()
    if ":" in ref:
        label, key = split_uid(ref)
        if label == "Person" and _a_number(key):
            try:
                return "Person:" + protect_ric(REGISTRY["ric"].clean(key), secret)[0]
            except IdentifierError as exc:
                raise UserError(str(exc)) from None
        return ref
    label = guess_subject_label(ref)
    if label is None:
        raise UserError(message("error.search.not_a_reference", ref=repr(redact_code(ref))))
    if label == "Person":
        return "Person:" + protect_ric(REGISTRY["ric"].clean(ref), secret)[0]
    key_type = schema().label(label).properties[schema().label(label).key].type
    return f"{label}:{REGISTRY[key_type].clean(ref)}"


def _a_number(key: str) -> bool:
    """A person's key written as a resident ID number (up to 18 characters, mostly digits),
    not as its keyed hash (64 hexadecimal characters)."""
    return len(key) <= 20 and redact_code(key) != key


def get_subject(store: Store, ref: str, secret: str) -> Node | None:
    """The subject node ``ref`` names, or None when the store has no such subject."""
    try:
        uid = subject_uid(ref, secret)
    except (IdentifierError, SchemaError) as exc:
        raise UserError(str(exc)) from None
    return store.get_nodes([uid]).get(uid)
