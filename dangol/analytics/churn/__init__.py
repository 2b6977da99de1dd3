"""Churn risk: features from the warehouse as of a cutoff, a gradient-boosting model with a
time-based split, and ``churn_probability`` written back to customers (docs/analytics.md).
"""
