from tests.tickets.fixtures import (  # noqa: F401  (the store on SQLite and PostgreSQL, the API)
    api_settings,
    app,
    db_url,
    engine,
    keys,
    pg_server,
    postgres_url,
)
from tests.tickets.test_api import client  # noqa: F401  (the API's test client)
