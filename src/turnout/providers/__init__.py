"""Providers: one small interface (``base.Provider``) and one module per wire format.

Each provider module only translates between OpenAI's chat-completions shape and its API; the
HTTP client, SSE/NDJSON parsing and status-to-error mapping live in ``transport``.
"""
