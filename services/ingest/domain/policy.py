"""The limits ingest applies (SPEC §2), as one value passed into the pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class IngestPolicy:
    """`timestamp_window`: how far `source_timestamp` may be from now (either way);
    `duplicate_window`: how long an idempotency key makes a resubmission a duplicate;
    `max_payload_bytes`: the size of one event as JSON (PAYLOAD_TOO_LARGE above it).
    """

    max_payload_bytes: int = 64 * 1024
    timestamp_window: timedelta = timedelta(days=7)
    duplicate_window: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if self.max_payload_bytes < 1:
            raise ValueError("max_payload_bytes must be positive")
        if self.timestamp_window <= timedelta(0) or self.duplicate_window <= timedelta(0):
            raise ValueError("windows must be positive")
