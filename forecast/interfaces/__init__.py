"""Interfaces: the command line, exports and labels."""
