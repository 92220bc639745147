"""The reference ministry server: FastAPI + SQLAlchemy Core (see sync/PROTOCOL.md)."""
