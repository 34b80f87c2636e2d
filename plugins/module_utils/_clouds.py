# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A connection failure said so that the reader knows where to look (docs/replication.md, "When the platform
cannot be reached"): which clouds.yaml files openstacksdk read, the cloud names found there (never their contents),
what kind of failure it was (no such cloud, a file that is not YAML, no answer, a service that is not Keystone) and
the variable and host to fix."""

import json
import os
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.landingzone.openstack.plugins.module_utils._rest import AuthFailed, NoAnswer

try:
    import yaml
    from keystoneauth1 import exceptions as ksa_exc
    from openstack.config import loader
    HAS_SDK = True
except ImportError:  # pragma: no cover - the modules fail earlier without the SDK (which needs PyYAML)
    HAS_SDK = False

# Statuses with which a live web service that is not Keystone answers a token request.
NOT_KEYSTONE_STATUSES = frozenset([200, 404, 405, 501])
# Nested causes looked at.
DEPTH = 6


def config_files():
    """The clouds.yaml paths openstacksdk looks at, in its order (``OS_CLIENT_CONFIG_FILE`` first)."""
    files = list(loader.CONFIG_FILES) if HAS_SDK else []
    override = os.environ.get('OS_CLIENT_CONFIG_FILE')
    return ([override] if override else []) + files


def read_files(paths):
    """[(path, cloud names or None, problem or None)] of the files that exist, up to the first one openstacksdk
    takes (it skips a file it cannot read or parse). Only the names of the clouds are kept."""
    found = []
    for path in paths:
        if not os.path.exists(path):
            continue
        try:
            with open(path) as handle:
                data = json.load(handle) if path.endswith('json') else yaml.safe_load(handle)
        except OSError as exc:
            found.append((path, None, 'cannot be read (%s)' % (exc.strerror or exc)))
            continue
        except yaml.YAMLError as exc:
            found.append((path, None, 'is not YAML%s, so openstacksdk skipped it' % _where(exc)))
            continue
        except ValueError as exc:
            found.append((path, None, 'is not JSON (%s), so openstacksdk skipped it' % type(exc).__name__))
            continue
        clouds = data.get('clouds') if isinstance(data, dict) else None
        found.append((path, sorted(str(name) for name in clouds) if isinstance(clouds, dict) else [], None))
        break
    return found


def _where(exc):
    # line and column only: a YAML error's own text quotes the file, which may hold a password
    mark = getattr(exc, 'problem_mark', None)
    return ' (line %d, column %d)' % (mark.line + 1, mark.column + 1) if mark is not None else ''


def files_text(found, paths):
    """What the clouds.yaml files were, for the message."""
    if not found:
        override = os.environ.get('OS_CLIENT_CONFIG_FILE')
        missing = ' (OS_CLIENT_CONFIG_FILE=%s does not exist)' % override if override else ''
        return 'no clouds.yaml was found%s; openstacksdk looks at %s' % (missing, ', '.join(_short(paths)))
    parts = []
    for path, names, problem in found:
        if problem:
            parts.append('%s %s' % (path, problem))
        else:
            parts.append('clouds.yaml read: %s (clouds there: %s)' % (path, ', '.join(names) or 'none'))
    if found[-1][2]:
        parts.append('no other clouds.yaml was found')
    return '; '.join(parts)


def _short(paths):
    seen = []
    for path in paths:
        folder = os.path.dirname(path)
        if folder not in seen:
            seen.append(folder)
    return ['%s/clouds.{yaml,yml,json}' % folder for folder in seen]


def causes(exc):
    """``exc`` and what it was raised from, nearest first."""
    chain = []
    while exc is not None and len(chain) < DEPTH:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def kind_of_failure(exc, cloud):
    """One sentence: what went wrong, by the kind of failure, never quoting a configuration value but the URL."""
    chain = causes(exc)
    failed = next((e for e in chain if isinstance(e, AuthFailed)), None)
    url = safe_url(failed.auth_url) if failed else None
    text = '%s: %s' % (type(chain[-1]).__name__, chain[-1])
    if any(isinstance(e, NoAnswer) or (HAS_SDK and isinstance(e, ksa_exc.ConnectTimeout)) for e in chain):
        return ('the identity endpoint %s did not answer within api_timeout (%s s): a Keystone that hangs, a '
                'firewall that drops packets or a wrong port' % (url, failed.timeout if failed else '?'))
    if HAS_SDK and any(isinstance(e, ksa_exc.ConnectFailure) for e in chain):
        return 'nothing answers at the identity endpoint %s (%s)' % (url, text)
    if HAS_SDK and any(_not_keystone(e) for e in chain):
        return ('the auth_url %s answered, but not as a Keystone identity API (%s): check the auth_url of cloud %s'
                % (url, text, cloud))
    if 'was not found' in str(exc) and not failed:
        return 'cloud %s is not in the clouds.yaml read' % cloud
    return text


def _not_keystone(exc):
    if isinstance(exc, (ksa_exc.InvalidResponse, ksa_exc.DiscoveryFailure)):
        return True
    return isinstance(exc, ksa_exc.HttpError) and getattr(exc, 'http_status', None) in NOT_KEYSTONE_STATUSES


def safe_url(url):
    """``url`` without user information (a URL may carry a password)."""
    if not url:
        return url
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit('@', 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, '', ''))


def connect_failure(exc, platform, cloud, variable):
    """The message of a failed connection: the kind of failure, the clouds.yaml files, the variable and host."""
    name = "'%s'" % cloud if isinstance(cloud, str) else 'given as a dict' if cloud else 'not named'
    paths = config_files()
    where = files_text(read_files(paths), paths) if isinstance(cloud, str) else 'no clouds.yaml entry used'
    return ('cannot connect to platform %s: %s. %s. The cloud (%s) is %s of host %s.'
            % (platform, kind_of_failure(exc, name), where, name, variable, platform))
