"""The hub's history: which records log where, and Wagtail's reports served scoped."""
