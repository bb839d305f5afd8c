"""`python -m search.final EXPERIMENT_DIR`: see `search.final.command`."""

import sys

from search.final.command import main

sys.exit(main())
