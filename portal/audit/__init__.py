"""The tamper-evident audit log of security-relevant actions."""
