"""The web dashboard at ``/ui``: server-rendered pages (Jinja2) and a little vendored JS (uPlot).

Installed with the package (templates and static files are package data); no Node build.
Log in with the master key or an admin key: the session is a signed cookie (HttpOnly,
SameSite=Strict, path /ui) that holds who logged in and a CSRF token, never the key itself.
Every form carries the CSRF token.
"""

from turnout.server.ui.pages import DashboardUI

__all__ = ["DashboardUI"]
