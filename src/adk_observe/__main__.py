import sys

from adk_observe.cli import main

sys.exit(main())
