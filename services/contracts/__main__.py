"""`python -m govmesh.contracts [serve|migrate]`."""

from govmesh.contracts.app import main

main()
