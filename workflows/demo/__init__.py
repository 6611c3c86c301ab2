"""Demo data of the PD domain, loaded by ``load_demo`` after the pages exist.

Each area adds its own module here; they load in the order below, each idempotent.
"""

from importlib import import_module
from importlib.util import find_spec

AREAS = ["hub", "applications", "plans", "privacy", "documents"]


def load(stdout):
    for area in AREAS:
        name = f"{__name__}.{area}"
        if find_spec(name) is not None:
            import_module(name).load(stdout)
