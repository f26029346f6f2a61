"""An article's address as a key to look it up by: the same page however a publisher's page,
a feed or a CMS writes its URL.

`url_key("https://WWW.Example.com:443/news/story/?utm_source=x&b=2&a=1#top")` is
`"example.com/news/story?a=1&b=2"`: no scheme (http and https are one page), the host in
lower case without "www." or a default port, no trailing slash, no fragment, and the query
without tracking parameters, sorted. None for what is not an http(s) address.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

TRACKING = ("utm_", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "igshid", "ocid")
"""Query parameters (or their prefixes) that say where a reader came from, not which page."""
DEFAULT_PORTS = {"http": 80, "https": 443}


def url_key(url: str | None) -> str | None:
    """URL's key, by which the article at that address is found (see the module)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return None
    host = host.removeprefix("www.")
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not name.lower().startswith(TRACKING)
    )
    return host + path + (f"?{urlencode(query)}" if query else "")
