"""opsbook: the IT-operations handbook of a securities or futures firm, kept as code.

The pipeline: files -> load (with lines) -> the handbook model -> schema
validation and rules -> findings -> reporters and the site.
"""

__version__ = "0.1.0"
