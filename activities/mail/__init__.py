"""Email: what each message says (templates), how it is built (compose) and sent (smtp)."""
