"""Prices and reports for the web shop."""

__version__ = "0.3.0"
