"""Importers of national data into the PD domain (schools from GIAS)."""
