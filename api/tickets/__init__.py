"""The ticket API in one place: its routes (`routes.py`), request and response schemas
(`schemas.py`) and HTTP plumbing (`http.py`: body-size limit, domain errors -> HTTP codes,
ETag/If-Match). The ticket domain itself is the top-level `tickets` package, framework-free."""
