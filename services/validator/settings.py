"""Validator settings (GOVMESH_* environment variables)."""

from __future__ import annotations

from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import Principal


class ValidatorSettings(MeshSettings):
    principal: Principal = Principal.VALIDATOR
