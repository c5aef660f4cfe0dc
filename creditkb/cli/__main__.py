import sys

from creditkb.cli.main import main

sys.exit(main())
