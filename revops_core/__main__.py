import sys

from revops_core.cli import main

sys.exit(main())
