"""`python -m govmesh.ingest [serve|migrate]`."""

from govmesh.ingest.app import main

main()
