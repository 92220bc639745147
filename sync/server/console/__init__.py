"""The ministry back office at /console/: officers sign in and answer applications.

Its own room: it calls the same domain functions as the API (decisions.change_status, the
officer audit), never the API routes. `web.install(app)` mounts it.
"""
