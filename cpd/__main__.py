import sys

from cpd.cli import main

sys.exit(main())
