"""Automation models."""
