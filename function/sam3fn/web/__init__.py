"""The Litestar application: HTTP API, the page, and object-storage event triggers."""
