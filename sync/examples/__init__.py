"""Small documented clients of the Sala sync protocol (not used by the kiosk or the server)."""
