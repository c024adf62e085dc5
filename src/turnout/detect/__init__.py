"""Detectors: PII and secrets (pii, sensitivity, redact) and the need for a strong model (complexity)."""
