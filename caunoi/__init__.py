"""Cầu Nối — the bridge between a province, its communes and their residents."""

__version__ = "0.1.0"
