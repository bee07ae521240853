"""The REST API (FastAPI): the HTTP edge of the registry and, later, of jobs and servers."""
