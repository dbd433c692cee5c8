"""`python -m dawa_pipeline.cli` runs the `dawa` command."""

import sys

from dawa_pipeline.cli import main

sys.exit(main())
