"""Ports `govmesh up` hands its services: distinct, free, and outside the ephemeral range."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from govmesh.mesh.embedded import free_ports

pytestmark = pytest.mark.integration


def test_free_ports_are_distinct_bindable_and_below_the_ephemeral_range() -> None:
    ports = free_ports(40)
    assert len(set(ports)) == 40
    ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    assert all(1024 <= port < ephemeral for port in ports)
    sockets = []
    try:
        for port in ports:  # every one can be bound, all at the same time
            sock = socket.socket()
            sockets.append(sock)
            sock.bind(("127.0.0.1", port))
    finally:
        for sock in sockets:
            sock.close()
