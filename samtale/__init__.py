"""The composition root: settings, worker, CLI and the local development stack."""
