"""Email notifications through a transactional outbox."""
