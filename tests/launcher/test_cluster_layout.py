"""The cluster's ports: the replicas beside the balancer's ports, and taken ports named before
anything starts (launcher/cluster.py)."""

from __future__ import annotations

import socket

import pytest

from core.settings import Settings
from launcher.cluster import ClusterError, Layout, check_ports
from launcher.ports import free_port, free_port_with_next


def test_the_replicas_listen_on_the_ports_after_the_balancers():
    layout = Layout.beside(Settings(api_port=8000, rasa_port=5005))
    assert layout == Layout((8001, 8002), (5006, 5007))


def test_free_ports_pass_and_a_taken_one_is_named():
    settings = Settings(api_port=free_port(), rasa_port=free_port())
    layout = Layout((free_port(), free_port()), (free_port(), free_port()))
    check_ports(settings, layout)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", layout.rasa_ports[1]))
        squatter.listen()
        with pytest.raises(ClusterError) as refused:
            check_ports(settings, layout)
    assert str(refused.value).startswith(f"ports in use: {layout.rasa_ports[1]} (Rasa replica 2)")


def test_a_port_with_free_ports_after_it_is_found():
    port = free_port_with_next(2)
    for candidate in (port, port + 1, port + 2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", candidate))
