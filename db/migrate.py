"""Bring a database to the newest schema: `python -m db.migrate [--url URL]`.

Several branches of migrations may exist side by side (one per feature area); upgrading to
"heads" applies them all.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from core.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every pending migration to the database at `url` (a SQLAlchemy URL)."""
    command.upgrade(alembic_config(url), "heads")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.migrate", description=__doc__)
    parser.add_argument("--url", help="database URL (default: ASSISTANT_DATABASE_URL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[db  ] %(message)s")
    settings = get_settings()
    url = args.url or settings.resolved_db_url(settings.database_url)
    path = settings.sqlite_path(url) if args.url is None else None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
