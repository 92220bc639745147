"""Sala core: Qt-free domain, catalog and forms, store, vault, audit, capture, i18n."""
