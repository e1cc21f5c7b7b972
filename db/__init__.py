"""The project's relational database: one SQLAlchemy metadata, Alembic migrations, and the
upgrade command (`python -m db.migrate`). SQLite by default, PostgreSQL in production."""
