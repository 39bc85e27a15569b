"""The database: the single source of truth for batches, documents, pages, fields, tasks.

`models` declares the tables, `engine` opens databases (SQLite WAL or PostgreSQL) and runs
the Alembic migrations in `migrations/`.
"""
