"""Applications: named, versioned capture configurations stored as YAML.

`schema` declares what an application may say, `loader` reads and validates the YAML
(errors name file, line and key), `registry` finds the built-in and installed ones.
"""
