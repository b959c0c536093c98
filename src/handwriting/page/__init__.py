"""The page in Python: one module per ``web/js`` module, with the same name and specification.

Training, reports and benchmarks read ink the way the page does through these modules, never a
copy; ``tests/web/`` runs each pair side by side.
"""
