"""govmesh health service."""
