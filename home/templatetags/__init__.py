"""Template tags for the parts of the page every template shares."""
