"""Applications: named, versioned capture configurations stored as YAML.

`schema` declares what an application may say, `loader` reads and validates the YAML
(errors name file, line and key; `geometry` checks the zones against the reference
images), `registry` finds the built-in and installed ones. `onboard` makes an
application from a blank form; `trial` reads a filled copy with an unsaved definition
and `versions` saves an edited one as the next version (the form designer).
"""
