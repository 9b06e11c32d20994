"""`python -m winnow` runs the winnow command."""
from winnow.cli import main

main()
