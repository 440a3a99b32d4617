"""Daily KPIs straight from storage (issue 16)."""
