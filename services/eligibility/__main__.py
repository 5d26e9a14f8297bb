"""`python -m govmesh.eligibility [serve|migrate]`."""

from govmesh.eligibility.app import main

main()
