"""`claims_for`: the capabilities an ELIGIBLE contract claims against duplicates (E-006)."""

from __future__ import annotations

import pytest

from govmesh.eligibility.domain import claims_for, proposal_scope
from govmesh.schemas import SYSTEM_SCOPE

from .factories import (
    CAPABILITY,
    OTHER_CAPABILITY,
    contract_lifecycle,
    enable,
    proposal,
    system_update,
)

pytestmark = pytest.mark.unit


def test_E006_claims_cover_affected_capabilities_and_change_targets_sorted() -> None:
    subject = proposal(capabilities=(OTHER_CAPABILITY,), changes=[enable(CAPABILITY)])
    assert proposal_scope(subject) == (OTHER_CAPABILITY, CAPABILITY)
    assert claims_for(subject) == tuple(sorted({CAPABILITY, OTHER_CAPABILITY}))


def test_E006_claims_never_include_system_scope() -> None:
    subject = proposal(capabilities=(SYSTEM_SCOPE, CAPABILITY), changes=[system_update()])
    assert claims_for(subject) == (CAPABILITY,)
    assert claims_for(proposal(capabilities=(), changes=[system_update()])) == ()


def test_E006_claims_are_de_duplicated() -> None:
    subject = proposal(capabilities=(CAPABILITY, CAPABILITY), changes=[enable(CAPABILITY)])
    assert claims_for(subject) == (CAPABILITY,)
    assert proposal_scope(subject) == (CAPABILITY,)


def test_E006_contract_snapshot_claims_match_its_proposal() -> None:
    message = contract_lifecycle("c", capabilities=(OTHER_CAPABILITY, CAPABILITY))
    assert claims_for(message.contract) == claims_for(
        proposal(capabilities=(OTHER_CAPABILITY, CAPABILITY))
    )
