"""Find a Python interpreter of one version for the tools that need their own (focus-validator on
3.12, the lowest-versions check on 3.10): machines of this kind ship them through pyenv."""

import glob
import os
import shutil
import subprocess


def find(version, env_var):
    """Path of a working ``python<version>`` (``'3.12'``): ``$env_var``, pyenv's versions, then PATH.

    pyenv's versions come before the PATH: its shim named python3.12 fails when 3.12 is installed
    but not selected (exit 127), so every candidate must also run and say it is that version.
    Returns None when there is none."""
    major, minor = (int(p) for p in version.split('.'))
    candidates = [os.environ.get(env_var)]
    for root in (os.path.expanduser('~/.pyenv/versions'), '/root/.pyenv/versions'):
        candidates += sorted(glob.glob('%s/%s*/bin/python%s' % (root, version, version)), reverse=True)
    candidates.append(shutil.which('python%s' % version))
    for path in candidates:
        if path and os.access(path, os.X_OK) and subprocess.call(
                [path, '-c', 'import sys; sys.exit(sys.version_info[:2] != (%d, %d))' % (major, minor)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
            return path
    return None
