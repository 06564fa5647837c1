"""`python -m bench --data-dir D`: see bench/run.py."""

import sys

from bench.run import main

sys.exit(main())
