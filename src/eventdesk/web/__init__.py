"""The web UI served by ``eventdesk serve``: server-rendered pages (Jinja2, autoescaped) with
inline SVG charts, a little hand-written JS and vendored data, all working offline.

Every page has a JSON twin: the same URL with ``.json`` (``/events.json``) or
``?format=json``.
"""
