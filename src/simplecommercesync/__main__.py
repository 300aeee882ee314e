import sys

from simplecommercesync.cli import main

sys.exit(main())
