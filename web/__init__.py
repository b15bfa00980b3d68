"""The web pages people use: server-rendered, signed in through OpenID Connect.

Pages call the same store queries, views and command path as the JSON API (never HTTP to
ourselves) and show only what its visibility rules allow. Plain forms, no JavaScript
needed; nb/en per person; Europe/Oslo time everywhere.
"""
