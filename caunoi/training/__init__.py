"""Training (bồi dưỡng, tập huấn)."""
