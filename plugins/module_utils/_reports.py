# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chargeback reports: one directory per period, every file written atomically.

``<output_dir>/<period label>/`` (label ``2026-11``, ``2026-12-preview`` or
``20261101T000000Z--20261115T000000Z``):

- ``line_items.json``: the period, its revisions, every line item (originals and corrections),
  the totals, the day-by-day costs and the unpriced usage. It is also the *store* of the
  period: a closed period rated again is compared with it and only correction items are
  appended (``_rating.reconcile``); the original items are never rewritten.
- ``line_items.csv``: the same items, one row each (``LINE_COLUMNS``).
- ``focus.csv``: FOCUS-compatible cost and usage rows (``FOCUS_COLUMNS``; ``x_`` columns are
  ours).
- ``report.html``: a static page (no script, no external CSS or fonts) with inline SVG charts:
  cost by workspace, by service and day by day, and tables by workspace/project and service.

Each file goes to a temporary file in the same directory, is flushed and fsynced, then renamed
over the old one (``os.replace``), so a reader never sees half a file; ``line_items.json`` is
written last, so an interrupted write leaves the previous store in place.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import decimal
import io
import json
import os
import tempfile

from ansible_collections.landingzone.openstack.plugins.module_utils import _rating

D = decimal.Decimal
STORE = 'line_items.json'
FILES = ('line_items.csv', 'focus.csv', 'report.html', STORE)
FORMAT_VERSION = 1

LINE_COLUMNS = ('workspace', 'project', 'tenant', 'platform', 'project_id', 'resource_id', 'resource_name',
                'resource_type', 'meter', 'sku', 'quantity', 'unit', 'unit_price', 'discount_percent',
                'list_cost', 'cost', 'currency', 'charge_start', 'charge_end', 'charge_class', 'revision', 'tags')
FOCUS_COLUMNS = ('BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'BillingCurrency',
                 'BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd',
                 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency',
                 'ConsumedQuantity', 'ConsumedUnit', 'PricingQuantity', 'PricingUnit', 'ListUnitPrice',
                 'ContractedUnitPrice', 'ResourceId', 'ResourceName', 'ResourceType', 'ServiceName',
                 'ServiceCategory', 'SubAccountId', 'SubAccountName', 'SkuId', 'Tags', 'RegionId',
                 'x_Workspace', 'x_Project', 'x_Platform', 'x_LandingZone', 'x_Meter', 'x_DiscountPercent',
                 'x_Revision', 'x_LineKey')


def _focus_time(value):
    return value[:19] + 'Z' if value else ''


def load_store(directory):
    """The stored document of a period directory, or None."""
    path = os.path.join(directory, STORE)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def build(period, rating, previous, rated_at):
    """The period's document: the new rating, or (closed period already rated closed) the
    stored items plus corrections. ``status``: new, unchanged, corrected, open or preview."""
    new_items = rating['items']
    revisions = []
    if period.closed and previous and previous.get('period', {}).get('closed'):
        old_items = previous['items']
        revision = max([r['revision'] for r in previous.get('revisions', [])] + [0]) + 1
        corrections = _rating.reconcile(old_items, new_items, revision)
        revisions = list(previous.get('revisions', []))
        if corrections:
            revisions.append(dict(revision=revision, rated_at=rated_at, corrections=len(corrections)))
            status = 'corrected'
        else:
            status = 'unchanged'
        items = list(old_items) + corrections
    else:
        items = list(new_items)
        revisions = [dict(revision=0, rated_at=rated_at, corrections=0)]
        status = 'preview' if period.preview else ('new' if period.closed else 'open')
        corrections = []
    totals = _rating.totals(items)
    return dict(format=FORMAT_VERSION, period=period.to_dict(), status=status, rated_at=rated_at,
                revisions=revisions, platforms=rating.get('platforms', []),
                currency=totals['currency'] or rating.get('currency'), totals=_rating.totals_json(totals),
                daily=rating['daily'], unpriced=rating['unpriced'], corrections=len(corrections),
                items=items)


def atomic_write(path, text):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', dir=directory)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', newline='') as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def render(doc):
    """{file name: text} of every report file of ``doc``."""
    return {'line_items.csv': line_items_csv(doc), 'focus.csv': focus_csv(doc),
            'report.html': html_report(doc), STORE: json.dumps(doc, indent=1, sort_keys=True) + '\n'}


def write(directory, doc):
    """Write every report of ``doc`` into ``directory`` (created), the store last. Returns paths."""
    if not os.path.isdir(directory):
        os.makedirs(directory)
    texts = render(doc)
    out = []
    for name in FILES:
        path = os.path.join(directory, name)
        atomic_write(path, texts[name])
        out.append(path)
    return out


def _csv(rows, columns):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(columns)
    for row in rows:
        writer.writerow(['' if row.get(c) is None else row.get(c) for c in columns])
    return buf.getvalue()


def line_items_csv(doc):
    rows = []
    for item in doc['items']:
        row = dict(item)
        row['tags'] = json.dumps(item.get('tags') or {}, sort_keys=True)
        rows.append(row)
    return _csv(rows, LINE_COLUMNS)


def focus_rows(doc):
    period = doc['period']
    for item in doc['items']:
        unit_price = D(item['unit_price'])
        contracted_price = unit_price * (D(100) - D(item['discount_percent'])) / D(100)
        tags = dict(item.get('tags') or {})
        tags.update({'lz-workspace': item['workspace'], 'lz-project': item['project']})
        yield {
            'BilledCost': item['cost'], 'EffectiveCost': item['cost'], 'ListCost': item['list_cost'],
            'ContractedCost': item['cost'], 'BillingCurrency': item['currency'],
            'BillingPeriodStart': _focus_time(period['start']), 'BillingPeriodEnd': _focus_time(period['end']),
            'ChargePeriodStart': _focus_time(item['charge_start']), 'ChargePeriodEnd': _focus_time(item['charge_end']),
            'ChargeCategory': item['charge_category'],
            'ChargeClass': 'Correction' if item.get('charge_class') == 'correction' else '',
            'ChargeDescription': item['description'],
            'ChargeFrequency': 'Recurring' if item['charge_category'] == 'Purchase' else 'Usage-Based',
            'ConsumedQuantity': item['quantity'] if item['charge_category'] == 'Usage' else '',
            'ConsumedUnit': item['unit'] if item['charge_category'] == 'Usage' else '',
            'PricingQuantity': item['quantity'], 'PricingUnit': item['unit'],
            'ListUnitPrice': item['unit_price'], 'ContractedUnitPrice': str(_rating.q6(contracted_price)),
            'ResourceId': item['resource_id'], 'ResourceName': item.get('resource_name') or '',
            'ResourceType': item.get('resource_type') or '', 'ServiceName': item['service'],
            'ServiceCategory': item['service_category'], 'SubAccountId': item['project_id'],
            'SubAccountName': item.get('tenant') or item['project'], 'SkuId': item['sku'],
            'Tags': json.dumps(tags, sort_keys=True), 'RegionId': item['platform'],
            'x_Workspace': item['workspace'], 'x_Project': item['project'], 'x_Platform': item['platform'],
            'x_LandingZone': item.get('landing_zone') or '', 'x_Meter': item['meter'],
            'x_DiscountPercent': item['discount_percent'], 'x_Revision': item.get('revision', 0),
            'x_LineKey': item['key'],
        }


def focus_csv(doc):
    return _csv(focus_rows(doc), FOCUS_COLUMNS)


# ------------------------------------------------------------------------------ HTML

def _esc(text):
    return (str(text).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('"', '&quot;'))


def money(value):
    return '{0:,.2f}'.format(D(value).quantize(D('0.01'), rounding=decimal.ROUND_HALF_EVEN))


COLORS = ('#2f6fb3', '#e07b24', '#3a9a5b', '#b8433b', '#7c5bb0', '#8c6d31', '#c9509b', '#5f6b73', '#b3a42f', '#2aa3b0')


def hbar_chart(chart_id, title, rows, currency):
    """Horizontal bars: rows [(label, Decimal)] largest first."""
    rows = sorted(rows, key=lambda r: (-r[1], r[0]))
    width, label_w, bar_h, gap = 760, 220, 22, 8
    height = 40 + len(rows) * (bar_h + gap) + 10
    peak = max([v for dummy, v in rows] + [D(0)])
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" role="img" width="%d" height="%d" '
             'viewBox="0 0 %d %d" data-currency="%s"><title>%s</title>'
             % (chart_id, width, height, width, height, _esc(currency), _esc(title)),
             '<text x="0" y="20" class="chart-title" font-size="15" font-weight="bold">%s</text>' % _esc(title)]
    for i, (label, value) in enumerate(rows):
        y = 36 + i * (bar_h + gap)
        w = 0 if peak <= 0 else int(round(float(value / peak) * (width - label_w - 130)))
        parts.append('<text x="%d" y="%d" font-size="13" text-anchor="end" class="label">%s</text>'
                     % (label_w - 8, y + 16, _esc(label)))
        parts.append('<rect class="bar" x="%d" y="%d" width="%d" height="%d" fill="%s" data-label="%s" data-value="%s">'
                     '<title>%s: %s %s</title></rect>'
                     % (label_w, y, max(w, 1), bar_h, COLORS[i % len(COLORS)], _esc(label), _esc(money(value)),
                        _esc(label), money(value), _esc(currency)))
        parts.append('<text x="%d" y="%d" font-size="13" class="value">%s</text>' % (label_w + max(w, 1) + 6, y + 16, money(value)))
    parts.append('</svg>')
    return ''.join(parts)


def day_chart(chart_id, title, daily, currency):
    """Vertical bars per day."""
    width, height, left, bottom, top = 1180, 300, 70, 50, 34
    n = max(len(daily), 1)
    slot = (width - left - 10) / float(n)
    values = [D(d['cost']) for d in daily]
    peak = max(values + [D(0)])
    plot_h = height - top - bottom
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" role="img" width="%d" height="%d" '
             'viewBox="0 0 %d %d" data-currency="%s"><title>%s</title>'
             % (chart_id, width, height, width, height, _esc(currency), _esc(title)),
             '<text x="0" y="20" font-size="15" font-weight="bold" class="chart-title">%s</text>' % _esc(title),
             '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>' % (left, top + plot_h, width - 10, top + plot_h)]
    for frac in (D('0.5'), D(1)):
        y = top + plot_h - int(round(float(frac) * plot_h))
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/>' % (left, y, width - 10, y))
        parts.append('<text x="%d" y="%d" font-size="11" text-anchor="end">%s</text>' % (left - 4, y + 4, money(peak * frac)))
    for i, (day, value) in enumerate(zip(daily, values)):
        h = 0 if peak <= 0 else int(round(float(value / peak) * plot_h))
        x = left + i * slot
        parts.append('<rect class="bar" x="%.1f" y="%d" width="%.1f" height="%d" fill="#2f6fb3" data-label="%s" '
                     'data-value="%s"><title>%s: %s %s</title></rect>'
                     % (x + 1, top + plot_h - h, max(slot - 2, 1), h, day['day'], money(value), day['day'],
                        money(value), _esc(currency)))
        if n <= 12 or i % max(1, n // 10) == 0:
            parts.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle" class="label">%s</text>'
                         % (x + slot / 2, top + plot_h + 16, day['day'][5:]))
    parts.append('</svg>')
    return ''.join(parts)


STYLE = '''
body { font-family: sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
.meta { color: #555; margin-bottom: 16px; }
.total { font-size: 28px; font-weight: bold; margin: 8px 0 20px 0; }
section { margin-bottom: 28px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.remark { color: #8a4b00; }
'''


def html_report(doc):
    t = doc['totals']
    currency = doc.get('currency') or ''
    period = doc['period']
    title = 'Chargeback %s' % period['label']
    by_ws = [(k, D(v)) for k, v in t['by_workspace'].items()]
    by_service = [(k, D(v)) for k, v in t['by_service'].items()]
    projects = {}
    for item in doc['items']:
        key = (item['workspace'], item['project'], item['platform'], item.get('tenant') or '')
        projects[key] = projects.get(key, D(0)) + D(item['cost'])
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head><body>'
           % (_esc(title), STYLE),
           '<h1>%s</h1>' % _esc(title),
           '<div class="meta">%s to %s (UTC) &middot; status %s &middot; platforms %s &middot; rated %s</div>'
           % (_esc(period['start']), _esc(period['end']), _esc(doc['status']), _esc(', '.join(doc.get('platforms') or [])),
              _esc(doc['rated_at'])),
           '<div class="total" id="total" data-value="%s">Total %s %s</div>' % (money(t['cost']), money(t['cost']), _esc(currency))]
    if D(t['list_cost']) != D(t['cost']):
        out.append('<div class="meta">List cost %s %s; discounts %s %s</div>'
                   % (money(t['list_cost']), _esc(currency), money(D(t['list_cost']) - D(t['cost'])), _esc(currency)))
    out.append('<section>%s</section>' % hbar_chart('chart-workspace', 'Cost by workspace (%s)' % currency, by_ws, currency))
    out.append('<section>%s</section>' % hbar_chart('chart-service', 'Cost by service (%s)' % currency, by_service, currency))
    out.append('<section>%s</section>' % day_chart('chart-daily', 'Cost day by day (%s)' % currency, doc['daily'], currency))
    out.append('<section><h2>By project</h2><table id="table-projects"><tr><th>workspace</th><th>project</th>'
               '<th>tenant</th><th>platform</th><th class="num">cost (%s)</th></tr>' % _esc(currency))
    for (ws, proj, platform, tenant), cost in sorted(projects.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])):
        out.append('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td></tr>'
                   % (_esc(ws), _esc(proj), _esc(tenant), _esc(platform), money(cost)))
    out.append('</table></section>')
    out.append('<section><h2>By meter</h2><table id="table-meters"><tr><th>meter</th><th class="num">cost (%s)</th></tr>'
               % _esc(currency))
    for meter, cost in sorted(t['by_meter'].items()):
        out.append('<tr><td>%s</td><td class="num">%s</td></tr>' % (_esc(meter), money(cost)))
    out.append('</table></section>')
    if doc.get('revisions') and len(doc['revisions']) > 1:
        out.append('<section><h2>Revisions</h2><ul>')
        for rev in doc['revisions']:
            out.append('<li>revision %s rated %s: %s correction item(s)</li>'
                       % (rev['revision'], _esc(rev['rated_at']), rev['corrections']))
        out.append('</ul></section>')
    if doc.get('unpriced'):
        out.append('<section><h2>Unpriced usage</h2><ul class="remark">')
        for u in doc['unpriced']:
            out.append('<li>%s %s %s: %s quantity-hours</li>' % (_esc(u['kind']), _esc(u['meter'] or ''),
                                                                 _esc(u['selector'] or ''), _esc(u['quantity_hours'])))
        out.append('</ul></section>')
    out.append('<div class="meta">%d line items; line_items.csv, line_items.json and focus.csv hold them all.</div>'
               % len(doc['items']))
    out.append('</body></html>\n')
    return '\n'.join(out)


# ------------------------------------------------------------------------------ one call

def chargeback(ledger, catalog, period, output_dir=None, platforms=None, write_files=True, rated_at=None):
    """Rate ``period`` and (unless ``write_files`` is false, e.g. check mode) write its reports
    under ``output_dir/<label>``. Returns (doc, result): ``result`` says whether anything changed
    (a closed period already rated and unchanged writes nothing), the files and a summary."""
    from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import utcnow
    rated_at = rated_at or utcnow()
    rating = _rating.rate(ledger, catalog, period, platforms)
    rating['currency'] = catalog.currency
    directory = os.path.join(output_dir, period.label) if output_dir else None
    previous = load_store(directory) if directory else None
    doc = build(period, rating, previous, rated_at)
    changed = doc['status'] != 'unchanged'
    files = [os.path.join(directory, name) for name in FILES] if directory else []
    if changed and write_files and directory:
        write(directory, doc)
    result = dict(changed=changed, status=doc['status'], period=doc['period'], directory=directory, files=files,
                  totals=doc['totals'], currency=doc['currency'], corrections=doc['corrections'],
                  revisions=doc['revisions'], unpriced=doc['unpriced'], daily=doc['daily'],
                  platforms=doc['platforms'], items=len(doc['items']))
    return doc, result
