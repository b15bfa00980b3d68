"""The HTTP API: routes, schemas, dependencies and the one place errors become answers."""
