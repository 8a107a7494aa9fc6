"""Public opinion (dư luận xã hội, khảo sát)."""
