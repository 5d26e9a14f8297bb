"""The capability registry as the validator sees it: folded from `registry.state`."""

from __future__ import annotations

from govmesh.mesh.codec import Delivery
from govmesh.schemas import RegistryState
from govmesh.validator.domain.registry import RegistrySnapshot


class RegistryView:
    """Holds the newest snapshot; its version counts the records folded into it."""

    def __init__(self) -> None:
        self.snapshot = RegistrySnapshot.empty()
        self._folded = 0

    async def apply(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            if isinstance(delivery.message, RegistryState):
                self._folded += 1
                self.snapshot = self.snapshot.with_state(delivery.message, self._folded)
