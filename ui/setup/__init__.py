"""The technician's journey (issue 15): first-run setup and the technician screen.

`SetupJourney` registers its screens with the navigator like the citizen's journey; its
Qt-free core is `kiosk/setup/`."""
