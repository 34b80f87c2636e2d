# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ledger DSN read the way libpq reads it, so that its secrets are found in every legal shape:
a URI (``postgresql://user:secret@host/db``, also ``?password=secret``), keyword form with or
without spaces around ``=`` (``password = secret``) and quoted values (``password='a b'``).

``secrets(dsn)`` gives what must never be shown (the module adds them to Ansible's no_log values,
so they are masked wherever they appear); ``redact(dsn)`` the DSN to show in messages.
"""

import re

try:
    from urllib.parse import parse_qsl, unquote, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    raise

SECRET_KEYS = ('password', 'sslpassword')
MASK = '********'
_KEYWORD_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)*)")


def parse(dsn):
    """The DSN's keywords (libpq's view), or None when it cannot be read."""
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        conninfo_to_dict = None
    if conninfo_to_dict is not None:
        try:
            return dict((k, str(v)) for k, v in conninfo_to_dict(dsn).items())
        except Exception:  # noqa: BLE001 - psycopg.ProgrammingError on a malformed DSN
            return None
    return _parse_keywords(dsn) if '://' not in dsn else _parse_uri(dsn)


def _parse_keywords(dsn):
    params, pos = {}, 0
    while pos < len(dsn.rstrip()):
        match = _KEYWORD_RE.match(dsn, pos)
        if not match:
            return None
        value = match.group(2)
        if value.startswith("'"):
            value = value[1:-1]
        params[match.group(1)] = re.sub(r'\\(.)', r'\1', value)
        pos = match.end()
    return params


def _parse_uri(dsn):
    parts = urlsplit(dsn)
    params = dict((k, v) for k, v in parse_qsl(parts.query))
    if parts.password is not None:
        params.setdefault('password', unquote(parts.password))
    if parts.username:
        params.setdefault('user', unquote(parts.username))
    return params


def secrets(dsn):
    """Every secret the DSN holds, as written and as libpq reads it (percent-decoded, unquoted)."""
    if not dsn:
        return set()
    found = set()
    params = parse(dsn) or {}
    found.update(params.get(k) for k in SECRET_KEYS if params.get(k))
    if '://' in dsn:
        parts = urlsplit(dsn)
        if parts.password:
            found.update([parts.password, unquote(parts.password)])
        for key, value in parse_qsl(parts.query):
            if key in SECRET_KEYS and value:
                found.update([value, unquote(value)])
        for raw in re.findall(r'(?:^|[?&])(?:%s)=([^&#]*)' % '|'.join(SECRET_KEYS), parts.query):
            found.add(raw)
    else:
        for key, value in (_parse_keywords(dsn) or {}).items():
            if key in SECRET_KEYS and value:
                found.add(value)
    return set(s for s in found if s)


def redact(dsn):
    """The DSN to show: its keywords without the secrets (``<unreadable DSN>`` if it cannot be read)."""
    params = parse(dsn)
    if params is None:
        return '<unreadable DSN>'
    shown = ' '.join('%s=%s' % (k, _quote(v)) for k, v in sorted(params.items()) if k not in SECRET_KEYS)
    return shown or '<DSN without host>'


def scrub(text, dsn):
    """``text`` with every secret of ``dsn`` masked (for error messages of drivers)."""
    for secret in sorted(secrets(dsn), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _quote(value):
    return value if value and re.match(r'^[^\s\'\\]+$', value) else "'%s'" % value.replace('\\', '\\\\').replace("'", "\\'")
