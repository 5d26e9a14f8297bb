"""`python -m govmesh.auditor [serve|migrate]`."""

from govmesh.auditor.app import main

main()
