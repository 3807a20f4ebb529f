"""Run the effect engine's command line: ``python -m oppfolging.effect``."""

import sys

from oppfolging.effect.cli import main

sys.exit(main(sys.argv[1:]))
