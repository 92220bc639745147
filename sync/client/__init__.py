"""The kiosk's sync client: resumable media uploads, idempotent commits, the change feed.

Plain synchronous functions (`push_pending`, `pull_changes`) that a test calls directly; the
`SyncWorker` thread wraps them for the kiosk. Qt-free by contract.
"""
