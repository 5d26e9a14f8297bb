"""The Validator's pure domain (SPEC §3): `validate(event, registry, now) -> ValidatorVerdict`.

No I/O, no clock, no globals: the service materialises a `RegistrySnapshot` from
`registry.state`, passes the time in, and publishes what `validate` returns.
"""

from govmesh.validator.domain.capabilities import FUZZY_THRESHOLD
from govmesh.validator.domain.engine import NOTIFY_HUMAN, requires_human_notification, validate
from govmesh.validator.domain.fallback import ValidatorErrorKind, fallback_verdict
from govmesh.validator.domain.registry import NO_VERSION, CapabilityRecord, RegistrySnapshot
from govmesh.validator.domain.version import VALIDATOR_VERSION

__all__ = [
    "FUZZY_THRESHOLD",
    "NOTIFY_HUMAN",
    "NO_VERSION",
    "VALIDATOR_VERSION",
    "CapabilityRecord",
    "RegistrySnapshot",
    "ValidatorErrorKind",
    "fallback_verdict",
    "requires_human_notification",
    "validate",
]
