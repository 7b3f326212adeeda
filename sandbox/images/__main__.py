"""``python -m sandbox.images --framework pytorch|tensorflow``: build an offline image."""

import sys

from sandbox.images.builder import main

sys.exit(main())
