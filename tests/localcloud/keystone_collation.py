# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The weights of Keystone's collation, read from a real MariaDB/MySQL (the local cloud's).

Keystone's migrations create every table with ``mysql_charset='utf8'`` and no collation, so its
names and tags compare under ``utf8mb3_general_ci`` (MySQL 5.7/8, MariaDB): one weight per
character of the Basic Multilingual Plane, trailing spaces ignored. ``weights(socket)`` asks the
server for the weight of every BMP character; ``runs(weights)`` packs the ones that differ from
the code point into the ``RUNS`` table of plugins/module_utils/_inventory/collation.py.

    python3 tests/localcloud/keystone_collation.py [<mariadb socket>]   # prints RUNS

tests/integration/test_inventory_db_rules.py compares the shipped table with the live server.
"""

import os
import subprocess
import sys

COLLATION = 'utf8mb3_general_ci'


def weights(socket, user='root'):
    """{code point: weight} of every BMP character (surrogates excluded) under ``COLLATION``."""
    cps = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    lines = ['SET NAMES utf8mb3 COLLATE %s;' % COLLATION]
    for i in range(0, len(cps), 512):
        lines.append(' UNION ALL '.join(
            "SELECT %d, HEX(WEIGHT_STRING(CONVERT(UNHEX('%s') USING utf8mb3) COLLATE %s))"
            % (c, chr(c).encode('utf-8').hex(), COLLATION) for c in cps[i:i + 512]) + ';')
    out = subprocess.run(['mariadb', '--socket=%s' % socket, '-u%s' % user, '-N', '-B'], input='\n'.join(lines),
                         capture_output=True, text=True, check=True).stdout
    return dict((int(cp), int(weight, 16)) for cp, weight in (line.split('\t') for line in out.splitlines()))


def runs(table):
    """The characters whose weight is not their code point, as (start, count, stride, weight, step)."""
    items = sorted((cp, w) for cp, w in table.items() if w != cp)
    out, i = [], 0
    while i < len(items):
        cp, weight = items[i]
        best = (1, 1, 0)
        for stride in (1, 2):
            for step in (0, 1, 2):
                n = 1
                while i + n < len(items) and items[i + n] == (cp + stride * n, weight + step * n):
                    n += 1
                if n > best[0]:
                    best = (n, stride, step)
        out.append((cp, best[0], best[1], weight, best[2]))
        i += best[0]
    return out


def main():
    socket = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get('LOCALCLOUD_STATE_DIR', '.localcloud'), 'data', 'mariadb', 'mysqld.sock')
    packed = runs(weights(socket))
    print('RUNS = (')
    line = '   '
    for run in packed:
        text = ' (0x%x, %d, %d, 0x%x, %d),' % run
        if len(line) + len(text) > 118:
            print(line)
            line = '   '
        line += text
    print(line)
    print(')')


if __name__ == '__main__':
    main()
