"""Organisation structure: units (a tree with effective dates), fields, competence routing."""
