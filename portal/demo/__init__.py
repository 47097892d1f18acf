"""Demo data: a realistic city organisation, staff accounts and sample cases."""
