"""Action plans: co-written after visits, approved through Wagtail Workflows."""
