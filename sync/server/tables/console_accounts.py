"""Columns the back office's accounts gained after schema step 8.

`console_officers.password_reset_at`: when an admin or `sala server officer reset-password`
last gave the account a password; NULL once its owner has chosen their own. While set, the
account's sessions may do nothing but change it (console/web.py `current`): a password
someone else knows never stays in use. No existing column holds this honestly
(`totp_last_step` already carries the pending-authenticator mark).
"""

from __future__ import annotations

from sqlalchemy import Column, Float

from sync.server import db
from sync.server.tables import NEW_COLUMNS

password_reset_at = Column("password_reset_at", Float)
db.console_officers.append_column(password_reset_at)
NEW_COLUMNS.append((db.console_officers, ("password_reset_at",)))
