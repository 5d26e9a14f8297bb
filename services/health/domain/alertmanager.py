"""The Prometheus Alertmanager webhook payload, version "4" (webhook_config receiver).

Shape as documented for `webhook_config` and sent by `notify/webhook` in Alertmanager:
`version`, `groupKey`, `truncatedAlerts`, `status`, `receiver`, `groupLabels`,
`commonLabels`, `commonAnnotations`, `externalURL`, `alerts[]` with `status`,
`labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL`, `fingerprint`.
Unknown members are ignored so a newer Alertmanager does not break the receiver;
`fingerprint` is optional because releases before 0.19 did not send it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

AlertStatus = Literal["firing", "resolved"]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class AlertmanagerAlert(_Wire):
    """One alert of a notification; a firing alert's `endsAt` is Go's zero time or a guess."""

    status: AlertStatus
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: AwareDatetime = Field(alias="startsAt")
    ends_at: AwareDatetime = Field(alias="endsAt")
    generator_url: str = Field(alias="generatorURL")
    fingerprint: str = ""

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "") or "unnamed"


class AlertmanagerPayload(_Wire):
    """A whole notification for one alert group."""

    version: Literal["4"]
    group_key: str = Field(default="", alias="groupKey")
    truncated_alerts: int = Field(default=0, ge=0, alias="truncatedAlerts")
    status: AlertStatus
    receiver: str
    group_labels: dict[str, str] = Field(alias="groupLabels")
    common_labels: dict[str, str] = Field(alias="commonLabels")
    common_annotations: dict[str, str] = Field(alias="commonAnnotations")
    external_url: str = Field(alias="externalURL")
    alerts: list[AlertmanagerAlert]
