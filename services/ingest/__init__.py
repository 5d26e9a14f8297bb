"""govmesh ingest service."""
