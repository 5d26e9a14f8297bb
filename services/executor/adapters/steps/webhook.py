"""A step adapter that calls an external system over HTTP (ARCHITECTURE "The governed system").

Parameters of a webhook step (`adapter: "webhook"`), all optional:

    url           where to POST (default: GOVMESH_WEBHOOK_URL)
    payload       any JSON sent as `payload`
    timeout_s     per call (default: GOVMESH_WEBHOOK_TIMEOUT_S)
    compensation  {"url"?, "payload"?}: the declared compensation request (default: the
                  same url and payload with `action: "compensate"`)

The body is `{"action": "apply"|"compensate", "job_id", "contract_id", "step", "type",
"target", "payload"}` and every call carries `Idempotency-Key: <step idempotency key>`
(SPEC §11: external API call = idempotency header); a resumed step sends the same key,
so the receiver applies it once. Connection errors and 5xx answers are retried with the
same key; a 4xx or exhausted retries fail the step. A successful apply records the
declared compensation as the step's `rollback_action`, run by the rollback job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

from govmesh.executor.adapters.steps import AdapterContext, StepCall, StepTransaction
from govmesh.executor.domain.idempotency import AttemptKind
from govmesh.executor.domain.steps import StepOutcome

HEADER = "Idempotency-Key"


class WebhookAdapter:
    """POST one step to an external system, idempotently, with a declared compensation."""

    in_transaction = False

    def __init__(self, context: AdapterContext) -> None:
        self._settings = context.settings
        self._client = httpx.AsyncClient()

    async def close(self) -> None:
        await self._client.aclose()

    def _refused(self, call: StepCall, why: str) -> StepOutcome:
        step = call.step
        return StepOutcome(
            ok=False, error=f"step {step.number} ({step.type.value} {step.target}) webhook: {why}"
        )

    async def run(self, call: StepCall, tx: StepTransaction | None) -> StepOutcome:
        step = call.step
        url = step.parameters.get("url") or self._settings.webhook_url
        if not isinstance(url, str) or not url:
            return self._refused(call, "no url (parameters.url or GOVMESH_WEBHOOK_URL)")
        timeout = step.parameters.get("timeout_s", self._settings.webhook_timeout_s)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            return self._refused(call, "parameters.timeout_s must be a positive number")
        body = {
            "action": "compensate" if call.attempt is AttemptKind.COMPENSATE else "apply",
            "job_id": str(call.job.job_id),
            "contract_id": str(call.job.contract_id),
            "step": step.number,
            "type": step.type.value,
            "target": step.target,
            "payload": step.parameters.get("payload"),
        }
        headers = {HEADER: str(call.idempotency_key)}
        last = "not attempted"
        for attempt in range(self._settings.webhook_attempts):
            if attempt:
                await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
            try:
                answer = await self._client.post(
                    url, json=body, headers=headers, timeout=float(timeout)
                )
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if answer.status_code >= 500:
                last = f"HTTP {answer.status_code}"
                continue
            if answer.status_code >= 400:
                return self._refused(call, f"HTTP {answer.status_code}: {answer.text[:300]}")
            return StepOutcome(
                ok=True,
                result={
                    "url": url,
                    "status_code": answer.status_code,
                    "idempotency_key": str(call.idempotency_key),
                    "response": _json_or_text(answer),
                },
                rollback_action=(
                    _compensation(call, url) if call.attempt is AttemptKind.APPLY else None
                ),
            )
        return self._refused(call, f"gave up after {self._settings.webhook_attempts} tries: {last}")


def _json_or_text(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return answer.text[:500]


def _compensation(call: StepCall, url: str) -> dict[str, Any]:
    step = call.step
    declared = step.parameters.get("compensation")
    declared = declared if isinstance(declared, Mapping) else {}
    parameters = {
        "url": declared.get("url", url),
        "payload": declared.get("payload", step.parameters.get("payload")),
    }
    if "timeout_s" in step.parameters:
        parameters["timeout_s"] = step.parameters["timeout_s"]
    return {
        "type": step.type.value,
        "target": step.target,
        "parameters": parameters,
        "adapter": "webhook",
    }
