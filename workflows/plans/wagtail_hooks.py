"""Admin registration of action plans and their workflow tasks."""
