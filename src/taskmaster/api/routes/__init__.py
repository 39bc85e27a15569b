"""One router per resource; `api/routers.py` mounts them in order."""
