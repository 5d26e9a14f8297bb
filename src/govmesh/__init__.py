"""govmesh: governed, auditable change control."""
