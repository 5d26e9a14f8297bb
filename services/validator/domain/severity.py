"""Severity (SPEC §3): critical > high > low > medium (the default).

- critical — multi-tenant impact, security, data integrity, outage; only when
  confidence > 0.80, otherwise such an issue is treated as high (if confidence > 0.60);
- high — one tenant badly hit, a feature fully broken, a business workflow blocked;
  only when confidence > 0.60;
- low — cosmetic, enhancement, documentation, and nothing degraded besides;
- medium — everything else (degraded, a workaround exists).
"""

from __future__ import annotations

from dataclasses import dataclass

from govmesh.schemas import Severity
from govmesh.validator.domain.signals import TextSignals

#: Confidence (hundredths) a verdict must exceed to be critical, and to be high.
CRITICAL_ABOVE = 80
HIGH_ABOVE = 60


@dataclass(frozen=True)
class SeverityAssessment:
    severity: Severity
    because: str

    def evidence(self) -> str:
        """`severity:<level>=<why>`."""
        return f"severity:{self.severity}={self.because}"


def assess(signals: TextSignals, confidence: int) -> SeverityAssessment:
    """The severity of an issue whose verdict has `confidence` hundredths."""
    if signals.critical and confidence > CRITICAL_ABOVE:
        return SeverityAssessment(Severity.CRITICAL, ",".join(signals.critical))
    impact = signals.critical or signals.high
    if impact and confidence > HIGH_ABOVE:
        return SeverityAssessment(Severity.HIGH, ",".join(impact))
    # Low only when the issue is nothing but cosmetic: "slow, and a typo" is degraded.
    if signals.low and not signals.medium:
        return SeverityAssessment(Severity.LOW, ",".join(signals.low))
    if impact:
        return SeverityAssessment(
            Severity.MEDIUM, f"{','.join(impact)} (confidence too low for more)"
        )
    return SeverityAssessment(Severity.MEDIUM, ",".join(signals.medium) or "default")
