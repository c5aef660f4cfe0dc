"""Which secret hashed a store's resident ID numbers.

A person's node is keyed by the keyed hash of the resident ID number
(:func:`graph_model.identifiers.protect_ric`, keyed by ``CREDITKB_SECRET``).  Under
another secret the same number hashes to another key: a load would add every person a
second time and a lookup would find nobody, silently.  So a store records a fingerprint
of its secret, ``HMAC-SHA256(secret, "creditkb-store-fingerprint")`` (it tells which
secret, never the secret itself, and is useless to anyone who does not hold one), and:

* a load records it on the store's first load, and refuses a store that holds another
  (:func:`bind_secret`);
* a server refuses to start on a store that holds another (:func:`check_secret`).

Both adapters keep it: the embedded store in its ``meta`` table, Neo4j on a singleton
``(:StoreMeta)`` node.  ``delete_all`` forgets it with everything else.
"""

from __future__ import annotations

import hashlib
import hmac

from graph_model.errors import ConflictError
from graph_model.store.port import Store, StoreError

PURPOSE = b"creditkb-store-fingerprint"


class SecretMismatch(StoreError, ConflictError):
    """The store's resident ID numbers were hashed with another secret."""


def fingerprint(secret: str) -> str:
    """The fingerprint of ``secret`` (hex).

    >>> fingerprint("test-secret")[:12]
    '65bcd3ee1796'
    """
    return hmac.new(secret.encode("utf-8"), PURPOSE, hashlib.sha256).hexdigest()


def _refuse(store: Store, theirs: str, mine: str) -> SecretMismatch:
    return SecretMismatch(
        f"{store.location}: this store's resident ID numbers were hashed with another "
        f"CREDITKB_SECRET (fingerprint {theirs[:12]}, yours {mine[:12]}); use the secret it "
        f"was loaded with, or load into a new store (with this secret every person would be "
        f"stored twice and no lookup would find them)")


def bind_secret(store: Store, secret: str) -> None:
    """Record ``secret``'s fingerprint in a store that has none; refuse a store that holds
    another (:class:`SecretMismatch`)."""
    mine = fingerprint(secret)
    theirs = store.secret_fingerprint() or store.record_secret_fingerprint(mine)
    if theirs != mine:
        raise _refuse(store, theirs, mine)


def check_secret(store: Store, secret: str) -> None:
    """Refuse a store whose recorded fingerprint is another secret's (reads only)."""
    mine, theirs = fingerprint(secret), store.secret_fingerprint()
    if theirs is not None and theirs != mine:
        raise _refuse(store, theirs, mine)
