"""Who may call the ticket API: API keys and roles.

- `key_store.py`: keys minted, stored as a salted scrypt hash, checked per request;
- `dependencies.py`: the FastAPI dependencies the routes take (the caller, role checks);
- `cli.py`: mint, list and revoke keys (`python -m api.auth`).
"""
