"""Reports (báo cáo): the xlsx and PDF files offices exchange, shared by every app."""
