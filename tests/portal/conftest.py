from tests.tickets.fixtures import (  # noqa: F401  (the ticket tests' database fixtures)
    api_settings,
    app,
    db_url,
    engine,
    keys,
    pg_server,
    postgres_url,
)
