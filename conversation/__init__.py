"""The conversation itself as pure domain code: templates (sections of items, nb and en).

No I/O, no database, no Temporal: the store keeps template documents, the API and the
CLI show them, and all of them agree on what a valid template is because they ask here.
"""
