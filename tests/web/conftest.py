"""The web-seam tests use the workflow fixtures (a TestClient over the real application)."""

from workflow.conftest import env, seed_store_dir  # noqa: F401
