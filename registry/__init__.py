"""Linked-data standards registry for lifelong-learning credit banks."""

__version__ = "0.1.0"
