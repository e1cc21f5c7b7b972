"""The local deployment: API (with the action webhook) and Rasa server under one supervisor."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

import httpx

from core.settings import PROJECT_ROOT, Settings
from db.migrate import upgrade as upgrade_database
from launcher.index import ensure_index
from launcher.model import RASA_BIN, ensure_model, rasa_env
from launcher.rasa_config import write_rasa_config
from launcher.supervisor import Service, Supervisor

logger = logging.getLogger(__name__)

MAIN_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as ASSISTANT_* variables, so every child sees exactly the launcher's view."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"ASSISTANT_{name.upper()}"] = str(value)
    return env


def _probe(url: str, params: dict[str, str] | None = None,
           check: Callable[[httpx.Response], Any] | None = None) -> bool:
    try:
        response = httpx.get(url, params=params, timeout=2.0)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    return bool(check(response)) if check else True


def api_service(settings: Settings, name: str = "api", *, ready_path: str = "/actions") -> Service:
    """The API under uvicorn; ready when `ready_path` answers 200 (the cluster waits for
    /readyz, the warm-up, which `make run` lets run beside Rasa's start)."""
    env = {**rasa_env(), **settings_env(settings)}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return Service(
        name=name,
        command=[str(MAIN_PYTHON), "-m", "uvicorn", "--factory", "api.main:create_app",
                 "--host", settings.api_host, "--port", str(settings.api_port),
                 "--log-level", settings.log_level.lower(), "--no-server-header"],
        ready=lambda: _probe(f"http://{settings.api_host}:{settings.api_port}{ready_path}"),
        env=env,
        cwd=PROJECT_ROOT,
    )


def rasa_service(settings: Settings, model: str, name: str = "rasa") -> Service:
    endpoints_file, credentials_file = write_rasa_config(settings, settings.data_dir / "run")
    command = [
        str(RASA_BIN), "run", "--enable-api",
        "--interface", settings.rasa_host, "--port", str(settings.rasa_port),
        "--model", model, "--endpoints", str(endpoints_file), "--credentials",
        str(credentials_file), "--cors", settings.rasa_cors,
    ]
    params = None
    if settings.rasa_auth_token:
        command += ["--auth-token", settings.rasa_auth_token]
        params = {"token": settings.rasa_auth_token}
    base = f"http://{settings.rasa_host}:{settings.rasa_port}"
    return Service(
        name=name,
        command=command,
        ready=lambda: _probe(f"{base}/status", params, lambda r: r.json().get("model_file")),
        env=rasa_env(),
        cwd=PROJECT_ROOT,
    )


def prepare(settings: Settings, out: IO[str] | None = None) -> str:
    """The database schema, the search index and the Rasa model brought up to date; returns
    the model's path."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sqlite_path = settings.sqlite_path(settings.database_url)
    if sqlite_path is not None:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # The schema and the search index are brought up to date before the API serves a request.
    upgrade_database(settings.resolved_db_url(settings.database_url))
    if settings.demo_data:  # ASSISTANT_DEMO_DATA: a demo quarter in an empty database, once
        from analytics.demo import fill_on_start  # lazy: the expert system, only when asked

        fill_on_start(settings, out)
    # The index (the embedding model) and the Rasa model (the intent classifier) do not depend
    # on each other: on a first start they are built at once, one per core.
    with ThreadPoolExecutor(max_workers=1) as pool:
        index = pool.submit(ensure_index, settings, {**rasa_env(), **settings_env(settings)},
                            out or sys.stdout)
        model = ensure_model(settings.models_dir)
        index.result()
    return str(model)


def wait_until_warm(settings: Settings, timeout_s: float = 240.0) -> bool:
    """Until the API has loaded its slow parts (GET /readyz), as a balancer waits before it
    sends a replica customers; False when it is not warm within the time. Measurements and
    tests start here: a first turn on a busy machine otherwise outlasts the action deadline
    while the expert system, the triage and the index load."""
    deadline = time.monotonic() + timeout_s
    url = f"http://{settings.api_host}:{settings.api_port}/readyz"
    while time.monotonic() < deadline:
        if _probe(url):
            return True
        time.sleep(0.5)
    return False


def start_system(settings: Settings, out: IO[str] | None = None) -> Supervisor:
    """Train if needed, then start the API and Rasa; raise StartupError (all stopped) on failure."""
    model = prepare(settings, out)
    supervisor = Supervisor(out or sys.stdout)
    try:
        # The API first: Rasa calls its action webhook from the first message on.
        supervisor.start(api_service(settings), timeout=120)
        supervisor.start(rasa_service(settings, model), timeout=settings.startup_timeout_s)
    except BaseException:
        supervisor.stop()
        raise
    return supervisor
