"""Cross-sell analytics: association rules mined from baskets."""
