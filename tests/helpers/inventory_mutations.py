# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hypothesis strategy of mutated inventories: a valid base inventory with 1-3 changes of types, lengths,
characters (control, final newline, 4-byte), case and accent variants, duplicates and dropped keys.
Used by the unit property test and by its sample replicated on the local cloud."""

import copy

from hypothesis import strategies as st


def base():
    return {
        'landing_zones': {
            'default': {'extra_tags': ['corp']},
            'isolated': {'domain_mode': 'per_workspace', 'patterns': {'domain': 'lz-{workspace}'},
                         'euid_pattern': '%s@example.com', 'delete_projects': True},
        },
        'workspaces': [
            {'identifier': 'shop', 'name': 'Web Shop', 'tags': {'cost-centre': '4711'}, 'projects': [
                {'identifier': 'web', 'name': 'Storefront', 'bindings': [{'euid': 'alice', 'role': 'admin'}]},
                {'identifier': 'api', 'name': 'API', 'landing_zone': 'isolated', 'tags': ['prod'],
                 'quota': {'compute.cores': 8}},
            ]},
            {'identifier': 'data', 'name': 'Data', 'projects': [
                {'identifier': 'lake', 'name': 'Lake', 'state': 'deleted', 'platforms': ['local']},
            ]},
        ],
    }


def paths_of(node, prefix=()):
    """Every (path tuple) in the inventory tree, mappings and lists included."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths_of(value, prefix + (index,))


def get(tree, path):
    for step in path:
        tree = tree[step]
    return tree


def text_variants(value):
    value = value if isinstance(value, str) else 'x'
    return [value + '\n', value + '\r\n', ' ' + value, value.upper(), value + '\u0301', value.replace('e', 'é'),
            value + '\U0001F680', value + '\x00', value * 40, '', 'a=b', '{"identifier": "shop"}', value + ',',
            value + '/', 'ß' + value, value.title()]


REPLACEMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10 ** 6), st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.text(max_size=80),
)


@st.composite
def mutated(draw):
    inventory = base()
    for dummy in range(draw(st.integers(1, 3))):
        candidates = [p for p in paths_of(inventory) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent, last = get(inventory, path[:-1]), path[-1]
        kind = draw(st.sampled_from(['text', 'any', 'duplicate', 'drop']))
        if kind == 'text':
            parent[last] = draw(st.sampled_from(text_variants(parent[last])))
        elif kind == 'any':
            parent[last] = draw(REPLACEMENTS)
        elif kind == 'duplicate' and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        elif kind == 'drop':
            if isinstance(parent, dict):
                del parent[last]
            else:
                parent.pop(last)
    return inventory
