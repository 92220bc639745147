"""The packaged kiosk's entry point (PyInstaller runs this file): the `sala` command."""

import sys

from ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
