"""Admin menu and viewsets of hub operations."""
