#!/usr/bin/env python
"""Django's manage.py; ``dangol`` (the console script) is the same thing."""

from dangol.cli import main

if __name__ == "__main__":
    main()
