"""The red-team of issue 9's privacy promise, run by scripts/redteam_privacy.py (its docstring says how)."""
