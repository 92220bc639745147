"""`python -m sync.server …` is `sala server …` without the kiosk's command tree."""

import sys

from sync.server.cli import main

sys.exit(main())
