"""The store: SQLAlchemy Core tables built from the extract declarations.

Loaders write to it, metrics read from it and write results; nothing here
imports loaders, metrics or the dashboard.
"""
