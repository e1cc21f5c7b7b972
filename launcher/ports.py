"""Free TCP ports on the loopback interface (for test systems and benchmarks)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bindable(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on the port now (binding as servers do, SO_REUSEADDR: a
    port left in TIME_WAIT is free for them)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port_with_next(count: int, attempts: int = 50) -> int:
    """A free port whose next `count` ports are free too (`make cluster` puts its replicas on
    the ports after the balancer's, launcher/cluster.py Layout.beside)."""
    for _ in range(attempts):
        port = free_port()
        if port + count < 65536 and all(bindable(port + i) for i in range(1, count + 1)):
            return port
    raise RuntimeError(f"no free port with {count} free ports after it")
