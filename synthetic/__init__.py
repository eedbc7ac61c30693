"""The project's own deterministic synthetic data generator.

Example::

    >>> from synthetic import generate, GeneratedFile
    >>> callable(generate)
    True
"""

from synthetic.generator import GeneratedFile, generate

__all__ = ["GeneratedFile", "generate"]
