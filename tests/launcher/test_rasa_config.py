from __future__ import annotations

import yaml

from core.settings import Settings
from launcher.rasa_config import endpoints, write_rasa_config
from launcher.system import settings_env


def test_default_is_a_sqlite_tracker_store_and_the_api_webhook(tmp_path):
    settings = Settings(api_port=8123, tracker_store_url=f"sqlite:///{tmp_path}/t/tracker.db")
    config = endpoints(settings)
    assert config["action_endpoint"] == {"url": "http://127.0.0.1:8123/webhook"}
    assert config["tracker_store"] == {"type": "SQL", "dialect": "sqlite",
                                       "db": f"{tmp_path}/t/tracker.db"}
    assert (tmp_path / "t").is_dir()
    assert "lock_store" not in config


def test_postgres_tracker_store_and_redis_lock_store():
    settings = Settings(
        tracker_store_url="postgresql://rasa:pw@db.internal:5433/trackers",
        lock_store_url="redis://:secret@cache:6380/2",
    )
    config = endpoints(settings)
    assert config["tracker_store"] == {"type": "SQL", "dialect": "postgresql",
                                       "url": "db.internal", "db": "trackers", "port": 5433,
                                       "username": "rasa", "password": "pw"}
    assert config["lock_store"] == {"type": "redis", "url": "cache", "port": 6380, "db": 2,
                                    "password": "secret"}


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
