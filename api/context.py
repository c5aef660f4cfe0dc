"""What every resolver receives: the store and the settings of this process."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.fastapi import BaseContext

from creditkb.settings import Settings
from creditkb.stores.port import Store


@dataclass
class Context(BaseContext):
    store: Store
    settings: Settings

    def __post_init__(self):
        super().__init__()
