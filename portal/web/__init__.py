"""Web plumbing shared by every feature: errors, headers, logging, template helpers."""
