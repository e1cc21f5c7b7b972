import sys

from api.auth.cli import main

sys.exit(main())
