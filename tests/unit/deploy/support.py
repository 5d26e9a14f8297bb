"""Shared by the deployment tests: paths, the service catalogue, registry-derived expectations."""

from __future__ import annotations

from pathlib import Path

from govmesh.schemas.topics import TOPICS

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "deploy" / "helm" / "govmesh"

SERVICES = (
    "ingest",
    "validator",
    "eligibility",
    "contracts",
    "executor",
    "auditor",
    "health",
    "console",
)
STATEFUL = ("ingest", "contracts", "executor")

#: (principal, resource type, resource name, pattern type, operation)
AclRow = tuple[str, str, str, str, str]


def expected_acls(prefix: str = "") -> set[AclRow]:
    """Every ACL the registry implies, derived here independently of deploy/generate.py."""
    rows: set[AclRow] = set()
    for name, spec in TOPICS.items():
        for p in spec.producers:
            rows |= {
                (p.value, "topic", prefix + name, "literal", op) for op in ("Write", "Describe")
            }
        for p in spec.consumers:
            rows |= {
                (p.value, "topic", prefix + name, "literal", op) for op in ("Read", "Describe")
            }
    consumers = {p for spec in TOPICS.values() for p in spec.consumers}
    for p in consumers:
        for group in (f"govmesh-{p.value}", f"{p.value}."):
            rows.add((p.value, "group", prefix + group, "prefix", "Read"))
    return rows


def registry_principals() -> set[str]:
    """Principals with at least one right in the registry."""
    return {p.value for s in TOPICS.values() for p in (*s.producers, *s.consumers)}
