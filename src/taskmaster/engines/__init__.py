"""Recognition engines: OCR, ICR, OMR and barcodes, each behind a small interface.

The interfaces live in `taskmaster.engines.base`; built-in engines register through the
`taskmaster` entry-point group exactly as a third party's would (see
`taskmaster.hookspecs`).
"""
