"""Unit tests of the contract authority's pure domain (govmesh.contracts.domain)."""
