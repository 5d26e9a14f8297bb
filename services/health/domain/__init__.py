"""Pure health rules (PART2-005): alert mapping, worst-of, overrides, heartbeat validity.

No I/O, no clock reads: every function that needs time takes an aware `now`.
"""

from govmesh.health.domain.alertmanager import AlertmanagerAlert, AlertmanagerPayload
from govmesh.health.domain.auth import authenticate
from govmesh.health.domain.errors import ErrorCode, Refusal
from govmesh.health.domain.mapping import AlertMapping, Firing, Ignored, Resolved, map_alert
from govmesh.health.domain.overrides import OVERRIDABLE, OverrideBody, decide_override, parse_body
from govmesh.health.domain.restore import Snapshot, newest_by_scope, restore, snapshot_all
from govmesh.health.domain.scopes import normalize_scope
from govmesh.health.domain.signals import changed_scopes, is_fresh, signal_for, validity
from govmesh.health.domain.state import (
    BASELINE_SOURCE,
    ActiveAlert,
    Assessment,
    HealthState,
    Override,
)
from govmesh.health.domain.status import metric_code, worst

__all__ = [
    "BASELINE_SOURCE",
    "OVERRIDABLE",
    "ActiveAlert",
    "AlertMapping",
    "AlertmanagerAlert",
    "AlertmanagerPayload",
    "Assessment",
    "ErrorCode",
    "Firing",
    "HealthState",
    "Ignored",
    "Override",
    "OverrideBody",
    "Refusal",
    "Resolved",
    "Snapshot",
    "authenticate",
    "changed_scopes",
    "decide_override",
    "is_fresh",
    "map_alert",
    "metric_code",
    "newest_by_scope",
    "normalize_scope",
    "parse_body",
    "restore",
    "signal_for",
    "snapshot_all",
    "validity",
    "worst",
]
