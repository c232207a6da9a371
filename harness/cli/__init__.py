"""The `firebreak` command line: one module per command; console.py owns terminal output."""
