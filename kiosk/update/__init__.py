"""Signed kiosk updates, without Qt (README "Updates").

A release is a .deb plus a manifest signed with the ministry's Ed25519 release key
(`manifest`). The kiosk pins the public key (`keys`), checks signature, freshness,
anti-rollback (lifted only by a signed `downgrade` naming the exact step), size and hash
before anything is unpacked (`verify`), and asks the root-owned
`sala-update` unit to install it when no one is mid-journey (`policy`, `spool`). That unit
checks again, runs dpkg, keeps the previous .deb and rolls back a release that does not
become healthy (`apply`).
"""
