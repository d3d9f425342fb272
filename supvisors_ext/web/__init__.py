"""The REST API and the web dashboard, served by supervisord's own HTTP server (docs/web.md)."""
