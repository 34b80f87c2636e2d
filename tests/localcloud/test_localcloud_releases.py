# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The launcher's releases and instances, without starting anything: ports, names, state dirs, what
pip installs, and the 2023.2 Neutron policy generated from a release's defaults."""

import configparser
import hashlib
import importlib.util
import os

import pytest

import localcloud  # the launcher, beside this file (pytest puts this directory first on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))


def _neutron():
    spec = importlib.util.spec_from_file_location('lz_test_neutron', os.path.join(HERE, 'services', 'neutron.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith('LOCALCLOUD_') or key == 'OPENSTACK_RELEASE':
            monkeypatch.delenv(key)
    return monkeypatch


def test_default_instance_keeps_its_names_and_ports(clean_env):
    ctx = localcloud.Ctx()
    assert ctx.release == '2026.2' and ctx.state == (localcloud.REPO / '.localcloud').resolve()
    assert ctx.instance == 'localcloud' and ctx.rabbitmq_nodename == 'rabbit@localhost'
    assert ctx.ports == localcloud.DEFAULT_PORTS and ctx.ports['epmd'] == 4369
    assert '--procname-prefix-spaced' in ctx.uwsgi_argv('keystone', 5000, module='keystone.wsgi.api:application',
                                                        script='keystone-wsgi-public')
    argv = ctx.uwsgi_argv('keystone', 5000, module='keystone.wsgi.api:application', script='keystone-wsgi-public')
    assert argv[argv.index('--procname-prefix-spaced') + 1] == 'localcloud-keystone'
    assert argv[argv.index('--module') + 1] == 'keystone.wsgi.api:application' and '--wsgi-file' not in argv
    # a 2026.2 venv installed before releases existed is not reinstalled: same hash as before
    req = localcloud.RELEASES_DIR / 'requirements-2026.2.txt'
    assert localcloud._req_hash(ctx) == hashlib.sha256(req.read_bytes()).hexdigest()
    assert localcloud.pip_install_argv(ctx)[-2:] == ['-r', str(req)] and '-c' not in localcloud.pip_install_argv(ctx)


def test_2023_2_instance_differs_in_everything_that_could_collide(clean_env):
    clean_env.setenv('OPENSTACK_RELEASE', '2023.2')
    old, new = localcloud.Ctx(release='2026.2'), localcloud.Ctx()
    assert new.release == '2023.2' and new.state == (localcloud.REPO / '.localcloud-2023.2').resolve()
    assert new.instance == 'localcloud-2023.2' and new.rabbitmq_nodename == 'rabbit-localcloud-2023_2@localhost'
    assert not set(old.ports.values()) & set(new.ports.values())
    assert new.ports['keystone'] == 5100 and new.ports['epmd'] == 4469
    argv = new.uwsgi_argv('keystone', 5100, module='keystone.wsgi.api:application', script='keystone-wsgi-public')
    assert argv[argv.index('--wsgi-file') + 1] == str(new.venv / 'bin' / 'keystone-wsgi-public')
    assert '--module' not in argv
    assert argv[argv.index('--procname-prefix-spaced') + 1] == 'localcloud-2023.2-keystone'
    pip = localcloud.pip_install_argv(new)
    assert pip[pip.index('-c') + 1].endswith('upper-constraints-2023.2.txt')
    assert 'setuptools<81' in localcloud.RELEASES['2023.2']['bootstrap']
    assert 'libssl-dev' in localcloud.apt_packages(new) and 'libssl-dev' not in localcloud.apt_packages(old)
    assert not new.release_at_least('2024.1') and old.release_at_least('2024.1')


def test_pip_caches_the_wheels_it_builds_per_interpreter(clean_env, tmp_path):
    clean_env.setenv('LOCALCLOUD_STATE_DIR', str(tmp_path / 'a'))
    clean_env.setenv('PIP_CACHE_DIR', str(tmp_path / 'cache'))
    ctx = localcloud.Ctx(release='2026.2')
    ctx.venv.mkdir(parents=True)
    caches = []
    for home, version in (('/root/.pyenv/versions/3.11.7/bin', '3.11.7'), ('/usr/bin', '3.11.2'),
                          ('/root/.pyenv/versions/3.11.7/bin', '3.11.7')):
        (ctx.venv / 'pyvenv.cfg').write_text('home = %s\ninclude-system-site-packages = false\nversion = %s\n'
                                             % (home, version))
        caches.append(localcloud.pip_env(ctx)['PIP_CACHE_DIR'])
    # uWSGI's wheel links its builder's libpython: Debian's 3.11.2 and pyenv's 3.11.7 must not share it
    assert caches[0] != caches[1] and caches[0] == caches[2]
    assert all(c.startswith(str(tmp_path / 'cache') + os.sep) for c in caches)


def test_another_offset_is_another_instance(clean_env):
    clean_env.setenv('LOCALCLOUD_PORT_OFFSET', '200')
    ctx = localcloud.Ctx(release='2026.2')
    assert ctx.instance == 'localcloud-2026.2-p200' and ctx.ports['keystone'] == 5200
    assert ctx.rabbitmq_nodename != 'rabbit@localhost'
    clean_env.setenv('LOCALCLOUD_KEYSTONE_PORT', '15000')
    assert localcloud.Ctx(release='2026.2').ports['keystone'] == 15000


def test_a_state_dir_serves_one_release(clean_env, tmp_path):
    ctx = localcloud.Ctx(state=tmp_path, release='2023.2')
    localcloud.check_release(ctx)
    assert (tmp_path / 'release').read_text() == '2023.2\n'
    with pytest.raises(localcloud.LocalCloudError, match='belongs to OpenStack 2023.2'):
        localcloud.check_release(localcloud.Ctx(state=tmp_path, release='2026.2'))
    with pytest.raises(localcloud.LocalCloudError, match='unknown OpenStack release'):
        localcloud.Ctx(state=tmp_path, release='2024.1')


def test_down_signals_only_what_its_own_state_dir_recorded(clean_env, tmp_path, monkeypatch):
    # two instances: `down` of one reads its own run/ only (pid + start time), never another's records
    mine, other = localcloud.Ctx(state=tmp_path / 'a'), localcloud.Ctx(state=tmp_path / 'b')
    mine.record('keystone', os.getpid(), None, ['x'], group=False)
    other.record('glance', os.getppid(), None, ['y'], group=False)
    signalled = []
    monkeypatch.setattr(localcloud, '_signal', lambda rec, sig: signalled.append(rec['name']))
    monkeypatch.setattr(localcloud.Ctx, 'alive', staticmethod(lambda rec: bool(rec) and rec['name'] not in signalled))
    monkeypatch.setattr(localcloud, 'listening_ports', lambda: {})
    localcloud.cmd_down(mine)
    assert signalled == ['keystone']
    assert other.record_of('glance') is not None and mine.record_of('keystone') is None


NEUTRON_DEFAULTS = {  # a few rules as Neutron 23 defines them
    'context_is_advsvc': 'role:advsvc',
    'get_router': '(rule:admin_only) or (role:reader and project_id:%(project_id)s)',
    'get_floatingip': '(rule:admin_only) or (role:reader and project_id:%(project_id)s)',
    'create_router': '(rule:admin_only) or (role:member and project_id:%(project_id)s)',
    'update_port': 'rule:admin_only or role:member and project_id:%(project_id)s or rule:context_is_advsvc',
    'delete_port': 'rule:context_is_advsvc or role:member and project_id:%(project_id)s or (rule:admin_only)',
    'get_network': '(rule:admin_only) or (role:reader and project_id:%(project_id)s) or rule:context_is_advsvc',
}


def test_2023_2_neutron_policy_widens_reads_only():
    rules = _neutron().policy_rules_advsvc('ADMIN', NEUTRON_DEFAULTS)
    assert rules['metering_reader'] == 'role:reader and tenant:ADMIN'
    assert rules['context_is_advsvc'] == 'role:advsvc or rule:metering_reader'
    # every other rule that referenced the widened rule now names the role it meant
    for name in ('update_port', 'delete_port', 'get_network'):
        assert 'context_is_advsvc' not in rules[name] and 'role:advsvc' in rules[name]
        assert rules[name] == NEUTRON_DEFAULTS[name].replace('rule:context_is_advsvc', 'role:advsvc')
    # only the two reads the collector needs accept the reader; writes keep their defaults
    widened = sorted(n for n, check in rules.items() if 'rule:metering_reader' in check)
    assert widened == ['context_is_advsvc', 'get_floatingip', 'get_router']
    assert 'create_router' not in rules
    # and none of the generated rules references context_is_advsvc any more
    assert not [n for n, check in rules.items() if 'rule:context_is_advsvc' in check]


def test_the_neutron_policy_of_each_release():
    neutron = _neutron()
    ctx_new = localcloud.Ctx(release='2026.2')
    assert set(neutron.release_policy_rules(ctx_new, 'ADMIN')) == {
        'context_with_global_access', 'get_router', 'get_floatingip'}


def _keystone():
    spec = importlib.util.spec_from_file_location('lz_test_keystone', os.path.join(HERE, 'services', 'keystone.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _keystone_section(keystone, ctx, section):
    keystone.configure(ctx)
    conf = configparser.ConfigParser(interpolation=None, default_section='no default section')
    conf.read(keystone._conf(ctx))
    return dict(conf[section]) if conf.has_section(section) else None


def _identity_section(keystone, ctx):
    return _keystone_section(keystone, ctx, 'identity')


def test_keystone_hashes_passwords_with_the_rounds_asked_for(clean_env, tmp_path, monkeypatch):
    # make test asks for 4 bcrypt rounds (noxfile.py); unset, Keystone keeps its default (12), as the benches need
    keystone = _keystone()
    monkeypatch.setattr(localcloud.Ctx, 'mysql_url', lambda self, name: 'mysql+pymysql://keystone@127.0.0.1/' + name)
    clean_env.setenv('LOCALCLOUD_NOTIFICATIONS', '0')
    ctx = localcloud.Ctx(state=tmp_path, release='2026.2')
    assert _identity_section(keystone, ctx) == {}
    clean_env.setenv('LOCALCLOUD_PASSWORD_HASH_ROUNDS', '4')
    assert _identity_section(keystone, ctx) == {'password_hash_rounds': '4'}
    for wrong in ('3', '32', 'four'):
        clean_env.setenv('LOCALCLOUD_PASSWORD_HASH_ROUNDS', wrong)
        with pytest.raises(SystemExit, match='LOCALCLOUD_PASSWORD_HASH_ROUNDS=%s: bcrypt takes 4 to 31 rounds' % wrong):
            keystone.configure(ctx)


def test_keystone_validates_responses_as_asked(clean_env, tmp_path, monkeypatch):
    # unset: no [api] section, Keystone's default (warn) as the tests and benches need; a bench run may ask for ignore
    keystone = _keystone()
    monkeypatch.setattr(localcloud.Ctx, 'mysql_url', lambda self, name: 'mysql+pymysql://keystone@127.0.0.1/' + name)
    clean_env.setenv('LOCALCLOUD_NOTIFICATIONS', '0')
    ctx = localcloud.Ctx(state=tmp_path, release='2026.2')
    assert _keystone_section(keystone, ctx, 'api') is None
    clean_env.setenv('LOCALCLOUD_KEYSTONE_RESPONSE_VALIDATION', 'ignore')
    assert _keystone_section(keystone, ctx, 'api') == {'response_validation': 'ignore'}
    clean_env.setenv('LOCALCLOUD_KEYSTONE_RESPONSE_VALIDATION', 'off')
    with pytest.raises(SystemExit, match='LOCALCLOUD_KEYSTONE_RESPONSE_VALIDATION=off: Keystone takes error, warn, ignore'):
        keystone.configure(ctx)
