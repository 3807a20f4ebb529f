"""Run the risk engine's command line: ``python -m oppfolging.risk``."""

import sys

from oppfolging.risk.cli import main

sys.exit(main(sys.argv[1:]))
