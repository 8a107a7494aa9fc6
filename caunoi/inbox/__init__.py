"""Inbox and petitions (hộp thư, phản ánh kiến nghị)."""
