"""Public pages that belong to no other feature: home, health check."""
