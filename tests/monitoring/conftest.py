from tests.tickets.fixtures import (  # noqa: F401  (the store on SQLite and PostgreSQL)
    db_url,
    engine,
    pg_server,
    postgres_url,
)
