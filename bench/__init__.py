"""Benchmarks (run as scripts: python bench/extraction.py); data is read at run time, never stored here."""
