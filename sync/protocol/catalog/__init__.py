"""The service catalog's model and its one validator, shared by the kiosk and the server.

A catalog is published in the back office and installed by kiosks; both must judge it alike,
and the server may import nothing of the kiosk's, so the bilingual string (`text`), the model
(`schema`), the RE2 patterns (`patterns`), the words of every problem (`messages`) and the
validator (`reader`, `validate`: `parse_catalog`, `check_catalog`) live here. Import the
submodules: this file imports nothing, so `Text` costs no RE2 import at the kiosk's start.
`patterns` needs `google-re2` (in both the `core` and the `server` extras).
"""
