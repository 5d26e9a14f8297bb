"""govmesh console service."""
