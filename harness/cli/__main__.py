"""``python -m harness.cli``: the ``m365lab`` command."""

import sys

from harness.cli.main import main

sys.exit(main())
