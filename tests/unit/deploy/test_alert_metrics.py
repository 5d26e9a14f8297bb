"""Every metric the SPEC §12 alert rules read is exported by a service (and a duration
histogram has its threshold as a bucket bound, so its p99 crosses it exactly)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY, Histogram

pytestmark = pytest.mark.unit

ALERTS = (
    Path(__file__).resolve().parents[3] / "deploy" / "helm" / "govmesh" / "files" / "alerts.yaml"
)
METRIC_MODULES = [
    "govmesh.mesh.metrics",
    "govmesh.contracts.metrics",
    "govmesh.executor.entrypoints.metrics",
    "govmesh.auditor.metrics",
    "govmesh.validator.entrypoints.metrics",
]
_NAME = re.compile(r"\b(govmesh_[a-z_]+)")
_HISTOGRAM_ALERT = re.compile(r"rate\((govmesh_[a-z_]+)_bucket\[.*\)\s*>\s*(\d+)")


def _exprs() -> list[str]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [" ".join(r["expr"].split()) for g in document["groups"] for r in g["rules"]]


def _exported() -> dict[str, object]:
    for module in METRIC_MODULES:
        importlib.import_module(module)
    collectors = REGISTRY._names_to_collectors  # name (and each sample name) -> collector
    return dict(collectors)


def test_SPEC12_every_metric_an_alert_reads_is_exported() -> None:
    exported = _exported()
    read = {name for expr in _exprs() for name in _NAME.findall(expr)}
    assert read, "no metric names found in the alert rules"
    assert sorted(read - set(exported)) == []


def test_SPEC12_duration_thresholds_are_bucket_bounds() -> None:
    exported = _exported()
    checked = 0
    for expr in _exprs():
        match = _HISTOGRAM_ALERT.search(expr)
        if match is None:
            continue
        histogram = exported[f"{match[1]}_bucket"]
        assert isinstance(histogram, Histogram)
        assert float(match[2]) in histogram._upper_bounds, expr
        checked += 1
    assert checked == 3  # validator, job and audit durations
