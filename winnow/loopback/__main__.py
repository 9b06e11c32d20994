"""`python -m winnow.loopback ARCHIVE_DIR [--port N]`."""
from winnow.loopback.server import main

main()
