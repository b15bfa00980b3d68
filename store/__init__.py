"""The relational read model: SQLAlchemy models, sessions, queries and migrations."""
