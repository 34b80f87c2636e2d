# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local files the modules write (reports): atomically, so a reader never sees half a file."""

import os
import tempfile


def atomic_write(path, text, move=None):
    """Write ``text`` to ``path``: a temporary file beside it, fsynced, then moved over it.

    ``move`` is the module's ``atomic_move`` (keeps the target's mode, owner and SELinux
    context); without a module (tests, benches) ``os.replace``. A failure leaves the old file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        # mkstemp makes the file 0600: give it the mode the target has, or a new file's mode.
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        # text as UTF-8; bytes (a Parquet file) as they are
        with (os.fdopen(fd, 'wb') if isinstance(text, bytes) else os.fdopen(fd, 'w', encoding='utf-8', newline='')) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        (move or os.replace)(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
