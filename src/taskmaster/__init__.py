"""Taskmaster: open document capture. Scans in, validated data out.

The workflow of a batch is `ingest -> prepare -> identify -> recognize -> validate ->
verify -> export`; see `taskmaster.pipeline` for the stages and docs/architecture.md.
"""

__version__ = "0.1.0"
