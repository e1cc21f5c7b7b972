from tests.tickets.fixtures import (  # noqa: F401  (shared by every ticket test module)
    api_settings,
    app,
    db_url,
    engine,
    keys,
    pg_server,
    postgres_url,
)
