"""Run `ansible-test sanity` on a clean copy of the collection.

ansible-test insists on running from `.../ansible_collections/<namespace>/<name>/`, so the files
git knows (tracked, plus untracked ones that are not ignored) are copied to
<tmp>/lz-openstack-sanity-<hash of the checkout path>/ansible_collections/landingzone/openstack first
(outside the checkout: inside it, ansible-test would ask git and find the copy ignored; one copy per
checkout, so two worktrees can run sanity side by side).

The sanity tools run `--local` in a venv of their own (.venv-sanity) holding ansible-core and the
exact tool versions ansible-test pins. ansible-test's own `--venv` mode needs a pip bootstrap
script from a host this machine cannot reach, and scrubs the environment (certificates) for pip.
No ignore file is used: a sanity finding is fixed in the code.
"""
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEST = os.path.join(tempfile.gettempdir(), 'lz-openstack-sanity-' + hashlib.sha256(ROOT.encode()).hexdigest()[:10],
                    'ansible_collections', 'landingzone', 'openstack')
SANITY_VENV = os.path.join(ROOT, '.venv-sanity')


def files():
    out = subprocess.check_output(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT)
    return [f for f in out.decode().split('\0') if f and os.path.isfile(os.path.join(ROOT, f))]


def sanity_requirements():
    """ansible-core of the main venv + every tool pin of its ansible-test."""
    import ansible
    import ansible_test
    reqs = ['ansible-core==%s' % ansible.__version__]
    pattern = os.path.join(os.path.dirname(ansible_test.__file__), '_data', 'requirements', 'sanity.*.txt')
    for path in sorted(glob.glob(pattern)):
        with open(path) as handle:
            reqs.extend(line.strip() for line in handle if line.strip() and not line.startswith('#'))
    return sorted(set(reqs))


def ensure_venv():
    reqs = sanity_requirements()
    digest = hashlib.sha256('\n'.join(reqs).encode()).hexdigest()
    stamp = os.path.join(SANITY_VENV, '.requirements.sha256')
    if os.path.exists(stamp) and open(stamp).read() == digest:
        return
    shutil.rmtree(SANITY_VENV, ignore_errors=True)
    subprocess.check_call([sys.executable, '-m', 'venv', SANITY_VENV])
    subprocess.check_call([os.path.join(SANITY_VENV, 'bin', 'pip'), 'install', '-q'] + reqs)
    with open(stamp, 'w') as handle:
        handle.write(digest)


# ansible-test bootstraps pip in the venvs it makes (the ansible-doc and import tests make some even
# with --local) with a get-pip script downloaded from a host this machine cannot reach. This
# stand-in does the same job offline: ensurepip, then `pip install` of what ansible-test asks for
# (pip==<version>) from the package index, which is reachable.
GET_PIP_SHIM = """# get-pip stand-in written by landingzone.openstack tests/sanity.py
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
# ensurepip points PIP_CONFIG_FILE at /dev/null; the machine's pip config (index, certificates)
# is needed for the real install.
os.environ.pop('PIP_CONFIG_FILE', None)
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
        cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
        current = open(cache).read() if os.path.exists(cache) else None
        if current is None or (current.startswith('# get-pip stand-in') and current != GET_PIP_SHIM):
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            with open(cache, 'w') as handle:
                handle.write(GET_PIP_SHIM)


def ensure_shellcheck():
    """ansible-test's shellcheck test skips the shell scripts (with a warning) when the program is
    missing: install Debian's package, as tests/localcloud installs its Debian packages."""
    if shutil.which('shellcheck'):
        return
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    if subprocess.call(['apt-get', 'install', '-y', '-q', 'shellcheck'], env=env) != 0:
        subprocess.check_call(['apt-get', 'update', '-q'], env=env)
        subprocess.check_call(['apt-get', 'install', '-y', '-q', 'shellcheck'], env=env)


def main(argv):
    ensure_venv()
    ensure_get_pip()
    ensure_shellcheck()
    shutil.rmtree(os.path.dirname(os.path.dirname(os.path.dirname(DEST))), ignore_errors=True)
    for rel in files():
        target = os.path.join(DEST, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), target)
    bindir = os.path.join(SANITY_VENV, 'bin')
    cmd = [os.path.join(bindir, 'ansible-test'), 'sanity', '--color', 'no', '--local',
           '--python', '%d.%d' % sys.version_info[:2]] + argv
    print('+', ' '.join(cmd), flush=True)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get('PATH', ''))
    return subprocess.call(cmd, cwd=DEST, env=env)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
