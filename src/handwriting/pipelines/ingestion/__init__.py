"""Ingestion: read the EMNIST byclass files, check them, and hand on labels and raw arrays."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
