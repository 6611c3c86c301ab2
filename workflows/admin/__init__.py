"""The hub's admin: schools, Work Groups, applications, meetings and visits."""
