# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ledger DSN's secrets are found in every shape libpq accepts, and never shown."""

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import dsn as _dsn

SECRET = 's3cr3t-Pw'
FORMS = [
    'postgresql://lz:%s@db.example:5432/ledger' % SECRET,
    'postgresql://lz@db.example/ledger?password=%s' % SECRET,
    'postgresql://lz@db.example/ledger?sslmode=require&password=%s&application_name=x' % SECRET,
    'host=db.example dbname=ledger user=lz password=%s' % SECRET,
    'host=db.example dbname=ledger user=lz password = %s' % SECRET,
    "host=db.example dbname=ledger user=lz password='%s'" % SECRET,
    "host = db.example   password =  '%s'  dbname=ledger" % SECRET,
]


@pytest.mark.parametrize('dsn', FORMS)
def test_every_form_gives_up_its_secret_and_redacts_it(dsn):
    assert SECRET in _dsn.secrets(dsn)
    shown = _dsn.redact(dsn)
    assert SECRET not in shown and 'db.example' in shown
    assert _dsn.scrub('error near %s in %s' % (SECRET, dsn), dsn).count(SECRET) == 0


def test_a_quoted_password_with_spaces_and_quotes():
    dsn = r"host=h password='a b\'c' dbname=d"
    assert "a b'c" in _dsn.secrets(dsn)
    assert "a b'c" not in _dsn.redact(dsn)


def test_a_percent_encoded_uri_password_is_found_both_ways():
    secrets = _dsn.secrets('postgresql://lz:p%40ss@h/d')
    assert {'p%40ss', 'p@ss'} <= secrets


def test_an_unreadable_dsn_is_never_echoed():
    assert _dsn.redact("host=h password='unterminated") == '<unreadable DSN>'


def test_no_dsn_no_secrets():
    assert _dsn.secrets(None) == set() and _dsn.secrets('') == set()


@pytest.mark.parametrize('dsn', FORMS[3:])
def test_the_fallback_parser_agrees_with_libpq(dsn):
    assert _dsn._parse_keywords(dsn) == _dsn.parse(dsn)
