"""`python -m adk_observe.demo`: see adk_observe.demo.run."""

import sys

from adk_observe.demo.run import main

sys.exit(main())
