"""Views of the PD domain, one module per audience (``public`` for visitors)."""
