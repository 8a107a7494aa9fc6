"""Campaigns (chiến dịch tuyên truyền, thông báo và cảnh báo khẩn cấp)."""
