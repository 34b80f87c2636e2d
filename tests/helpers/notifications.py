# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keystone notifications made by hand, as oslo.messaging sends them (the event source's unit tests)."""

import json

REPLICATOR = 'u-replicator'
TOKEN = 'gAAAAAB-secret-token'


def cadf(event_type, target_id=None, initiator=REPLICATOR, **extra):
    """A Keystone CADF notification as oslo.messaging sends it (envelope 2.0, context with a token)."""
    operation = event_type.rsplit('.', 1)[1]
    resource = event_type.split('.', 1)[1].rsplit('.', 1)[0]
    payload = {'typeURI': 'http://schemas.dmtf.org/cloud/audit/1.0/event', 'eventType': 'activity',
               'action': '%s.%s' % (operation, resource), 'outcome': 'success',
               'observer': {'typeURI': 'service/security', 'id': 'svc'},
               'target': {'typeURI': 'service/security/account/user', 'id': target_id or 'openstack:x'}}
    if initiator:
        payload['initiator'] = {'typeURI': 'service/security/account/user', 'id': 'cadf-' + initiator,
                                'user_id': initiator, 'name': initiator + '-name'}
    if target_id:
        payload['resource_info'] = target_id
    payload.update(extra)
    message = {'message_id': 'm-1', 'publisher_id': 'identity.host', 'event_type': event_type,
               'priority': 'INFO', 'payload': payload, 'timestamp': '2026-12-06 03:00:00.000000',
               '_context_auth_token': TOKEN, '_context_user_id': initiator}
    return json.dumps({'oslo.version': '2.0', 'oslo.message': json.dumps(message)}).encode()
