"""Công khai theo Luật Thực hiện dân chủ ở cơ sở: what a commune must publish, and residents' comments."""
