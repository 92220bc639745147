"""The USB stick buttons (issue 15): export, the diagnostics bundle and the ministry's return
bundle, shared by the technician screen and the supervisor's staff screen (`UsbPanel`)."""
