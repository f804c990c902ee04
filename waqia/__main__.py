import sys

from waqia.cli import main

sys.exit(main())
