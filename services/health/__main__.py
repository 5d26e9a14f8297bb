"""`python -m govmesh.health [serve|migrate]`."""

from govmesh.health.app import main

main()
