"""The REST API's shared machinery: authentication, errors, cursors, rate limits, schema.

Each domain app keeps its endpoints in its own ``api.py``; ``dangol/config/api_urls.py``
mounts them under ``/api/v1/``.
"""
