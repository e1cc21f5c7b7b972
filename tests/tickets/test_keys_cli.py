"""`python -m api.auth create` mints a working key, printed as the last line."""

from __future__ import annotations

import os
import subprocess
import sys

from api.auth import key_store
from core.settings import PROJECT_ROOT
from tickets.database import create_store_engine


def run_keys(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    return subprocess.run([sys.executable, "-m", "api.auth", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_create_prints_a_key_that_authenticates_with_its_role(tmp_path):
    done = run_keys(tmp_path, "create", "--role", "customer", "--customer", "CUST-001")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().splitlines()[-1]
    engine = create_store_engine(f"sqlite:///{tmp_path / 't.db'}")
    actor = key_store.authenticate(engine, key=key)
    assert (actor.role, actor.customer_id) == ("customer", "CUST-001")
    listed = run_keys(tmp_path, "list")
    # The secret is urlsafe base64 and may itself hold "_": split off the prefix and id only.
    secret = key.split("_", 2)[2]
    assert "customer" in listed.stdout and secret not in listed.stdout
    key_id = key.split("_")[1]
    assert run_keys(tmp_path, "revoke", key_id).returncode == 0
    key_store._cache.clear()
    try:
        key_store.authenticate(engine, key=key)
        raise AssertionError("a revoked key authenticated")
    except key_store.InvalidKeyError:
        pass


def test_bad_arguments_are_refused(tmp_path):
    assert run_keys(tmp_path, "create", "--role", "customer").returncode != 0
    assert run_keys(tmp_path, "create", "--role", "customer", "--customer",
                    "CUST-999").returncode != 0
    assert run_keys(tmp_path, "create", "--role", "wizard").returncode != 0
