"""`python -m launcher`: start the assistant (what `make run` does) and supervise it."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from core.settings import get_settings
from launcher.cluster import ClusterError, start_cluster
from launcher.index import IndexBuildError
from launcher.model import TrainingError
from launcher.supervisor import StartupError
from launcher.system import start_system, wait_until_warm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher", description=__doc__)
    parser.add_argument("--cluster", action="store_true",
                        help="two Rasa and two API replicas behind HAProxy, on PostgreSQL, "
                             "Redis and RabbitMQ (make cluster; launcher/cluster.py)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[run ] %(message)s", stream=sys.stdout)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per readiness probe otherwise
    log = logging.getLogger("launcher")
    settings = get_settings()

    # Ctrl-C (even where a parent shell set SIGINT to be ignored) and SIGTERM stop both children.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        if args.cluster:
            supervisor, settings = start_cluster(settings)
        else:
            supervisor = start_system(settings)
            # "Ready" means a first message is answered at once: the API's warm-up (the
            # triage, the expert system, the index) runs beside Rasa's start and may outlast
            # it; a message sent in between got "this is taking longer than usual" (CI's
            # launcher test caught it).
            try:
                warm = wait_until_warm(settings)
            except KeyboardInterrupt:
                supervisor.stop()  # Ctrl-C while waiting stops the children too
                raise
            if not warm:
                log.warning("the API is still loading; the first answers may be slow")
    except (StartupError, TrainingError, IndexBuildError, ClusterError) as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        return 130
    log.info("ready: chat on http://%s:%d/webhooks/rest/webhook, API on http://%s:%d "
             "(health: /healthz)%s. A crashed process is started again; Ctrl-C stops all.",
             settings.rasa_host, settings.rasa_port, settings.api_host, settings.api_port,
             ", each behind HAProxy with two replicas" if args.cluster else "")
    try:
        # A crashed child is started again (with backoff); the others keep serving meanwhile.
        supervisor.supervise()
        return 0
    except KeyboardInterrupt:
        # A second Ctrl-C must not cut the shutdown short and leave a child running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        log.info("stopping")
        return 0
    finally:
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
