"""``manage.py`` commands of the PD domain."""
