"""The ona HTTP service (FastAPI): see api.main.create_app."""
