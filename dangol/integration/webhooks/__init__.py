"""Signed webhooks: endpoints an admin registers, deliveries sent by background tasks."""
