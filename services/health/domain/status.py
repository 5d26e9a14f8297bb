"""The order of health values: worst-of combines alerts, the metric encodes a status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from govmesh.schemas import HealthStatus

#: Higher is worse. UNKNOWN is not ranked: the service never derives it from alerts.
RANK: Mapping[HealthStatus, int] = MappingProxyType(
    {HealthStatus.HEALTHY: 0, HealthStatus.DEGRADED: 1, HealthStatus.UNHEALTHY: 2}
)

_METRIC: Mapping[HealthStatus, int] = MappingProxyType(
    {
        HealthStatus.HEALTHY: 0,
        HealthStatus.DEGRADED: 1,
        HealthStatus.UNHEALTHY: 2,
        HealthStatus.UNKNOWN: 3,
    }
)


def worst(statuses: Iterable[HealthStatus]) -> HealthStatus:
    """The worst of ranked statuses; HEALTHY when there are none (PART2-005 worst-of)."""
    result = HealthStatus.HEALTHY
    for status in statuses:
        if RANK[status] > RANK[result]:
            result = status
    return result


def metric_code(status: HealthStatus) -> int:
    """`govmesh_health_status` value: 0 healthy, 1 degraded, 2 unhealthy, 3 unknown."""
    return _METRIC[status]
