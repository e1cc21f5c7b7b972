from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from core.settings import Settings
from launcher.cluster import DEFAULT_DATABASE, Layout, cluster_settings, haproxy_config
from launcher.rasa_config import TRACKER_STORE, endpoints, write_rasa_config
from launcher.system import settings_env
from tests.conftest import unavailable


def test_default_is_a_sqlite_tracker_store_and_the_api_webhook(tmp_path):
    settings = Settings(api_port=8123, tracker_store_url=f"sqlite:///{tmp_path}/t/tracker.db")
    config = endpoints(settings)
    assert config["action_endpoint"] == {"url": "http://127.0.0.1:8123/webhook"}
    assert config["tracker_store"] == {"type": TRACKER_STORE, "dialect": "sqlite",
                                       "db": f"{tmp_path}/t/tracker.db"}
    assert (tmp_path / "t").is_dir()
    assert "lock_store" not in config


def test_postgres_tracker_store_and_redis_lock_store():
    settings = Settings(
        tracker_store_url="postgresql://rasa:pw@db.internal:5433/trackers",
        lock_store_url="redis://:secret@cache:6380/2",
    )
    config = endpoints(settings)
    assert config["tracker_store"] == {"type": TRACKER_STORE, "dialect": "postgresql",
                                       "url": "db.internal", "db": "trackers", "port": 5433,
                                       "username": "rasa", "password": "pw"}
    assert config["lock_store"] == {"type": "bot.lock_store.AtomicRedisLockStore",
                                    "url": "cache", "port": 6380, "db": 2, "password": "secret"}


def test_rabbitmq_event_broker():
    settings = Settings(event_broker_url="amqp://helios:pw@mq.internal:5673/",
                        event_broker_queue="events")
    assert endpoints(settings)["event_broker"] == {
        "type": "pika", "url": "mq.internal", "port": 5673, "username": "helios",
        "password": "pw", "queues": ["events"]}
    with pytest.raises(ValueError, match="amqp://"):
        endpoints(Settings(event_broker_url="redis://cache:6379/0"))


def test_sql_event_broker_by_default_or_on_a_database(tmp_path):
    # Rasa's SQL broker: a SQLite file in the data folder, nothing to install.
    assert endpoints(Settings(data_dir=tmp_path))["event_broker"] == {
        "type": "SQL", "dialect": "sqlite", "db": f"{tmp_path}/rasa_events.db"}
    settings = Settings(event_broker_url="postgresql+psycopg://rasa:pw@db.internal:5433/ev")
    assert endpoints(settings)["event_broker"] == {
        "type": "SQL", "dialect": "postgresql", "url": "db.internal", "db": "ev",
        "port": 5433, "username": "rasa", "password": "pw"}


def test_cluster_settings_replace_only_the_embedded_stores():
    embedded = cluster_settings(Settings())
    assert embedded.database_url == DEFAULT_DATABASE
    assert embedded.tracker_store_url.startswith("postgresql://")
    assert embedded.lock_store_url and embedded.lock_store_url.startswith("redis://")
    assert embedded.event_broker_url and embedded.event_broker_url.startswith("amqp://")
    assert cluster_settings(Settings(event_broker_url="sqlite:///var/ev.db")) \
        .event_broker_url == embedded.event_broker_url
    chosen = Settings(database_url="postgresql+psycopg://u@db/t",
                      lock_store_url="redis://cache:6379/4")
    kept = cluster_settings(chosen)
    assert kept.database_url == "postgresql+psycopg://u@db/t"
    assert kept.lock_store_url == "redis://cache:6379/4"


def test_balancer_config_names_every_replica_and_is_valid(tmp_path):
    settings = Settings(api_port=8000, rasa_port=5005)
    layout = Layout.beside(settings)
    assert layout == Layout((8001, 8002), (5006, 5007))
    config = haproxy_config(settings, layout)
    for port in (8001, 8002, 5006, 5007):
        assert f"127.0.0.1:{port} check" in config
    if shutil.which("haproxy") is None:
        unavailable("haproxy is not installed: run scripts/test_services.sh")
    (tmp_path / "haproxy.cfg").write_text(config)
    checked = subprocess.run(["haproxy", "-c", "-f", str(tmp_path / "haproxy.cfg")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_written_files_are_valid_yaml_and_private(tmp_path):
    settings = Settings(tracker_store_url=f"sqlite:///{tmp_path}/tracker.db", max_message_chars=99)
    endpoints_file, credentials_file = write_rasa_config(settings, tmp_path / "run")
    assert yaml.safe_load(endpoints_file.read_text())["tracker_store"]["dialect"] == "sqlite"
    assert oct(endpoints_file.stat().st_mode & 0o777) == "0o600"
    channel = yaml.safe_load(credentials_file.read_text())
    assert channel == {"bot.channels.rest.ValidatingRestInput": {"max_message_chars": 99}}


def test_settings_round_trip_through_the_environment(tmp_path, monkeypatch):
    settings = Settings(api_port=9001, rasa_port=9002, data_dir=tmp_path,
                        lock_store_url="redis://localhost:6379/1")
    for key, value in settings_env(settings).items():
        monkeypatch.setenv(key, value)
    assert Settings() == settings
