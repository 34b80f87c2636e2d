#!/usr/bin/env python3
"""Run `ansible-test sanity` on a clean copy of the collection.

ansible-test insists on running from `.../ansible_collections/<namespace>/<name>/`, so the files
git knows (tracked, plus untracked ones that are not ignored) are copied to
<tmp>/lz-openstack-sanity/ansible_collections/landingzone/openstack first
(outside the checkout: inside it, ansible-test would ask git and find the copy ignored). No ignore file is used: a sanity
finding is fixed in the code.
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEST = os.path.join(tempfile.gettempdir(), 'lz-openstack-sanity', 'ansible_collections', 'landingzone', 'openstack')


def files():
    out = subprocess.check_output(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT)
    return [f for f in out.decode().split('\0') if f and os.path.isfile(os.path.join(ROOT, f))]


# ansible-test bootstraps pip in the venvs it makes with a get-pip script downloaded from a host this
# machine cannot reach. This stand-in does the same job offline: ensurepip, then `pip install` of
# what ansible-test asks for (pip==<version>) from the package index, which is reachable.
GET_PIP_SHIM = """# get-pip stand-in written by landingzone.openstack tests/sanity.py
import ensurepip
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + args))
"""


def ensure_get_pip():
    import re
    import ansible_test
    source = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source) as handle:
        versions = set(re.findall(r"pip='([0-9.]+)'", handle.read()))
    for version in versions:
        write_shim(version)


def write_shim(version):
    cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
    if not os.path.exists(cache):
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, 'w') as handle:
            handle.write(GET_PIP_SHIM)


def main(argv):
    ensure_get_pip()
    shutil.rmtree(DEST, ignore_errors=True)
    for rel in files():
        target = os.path.join(DEST, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), target)
    bindir = os.path.dirname(sys.executable)
    cmd = [os.path.join(bindir, 'ansible-test'), 'sanity', '--color', 'no', '--venv',
           '--python', '%d.%d' % sys.version_info[:2]] + argv
    print('+', ' '.join(cmd), flush=True)
    return subprocess.call(cmd, cwd=DEST)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
