# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chargeback HTML page of a period, a statement a finance person can read: a human period
title, state, version and invoices; static (no script, no external CSS or fonts), inline SVG bar
charts of cost by workspace, by service and day by day (each bar carries ``data-label`` and
``data-value``); per workspace and project the meters with quantity, unit, unit price and cost,
with project and workspace total rows, everything sorted by cost; tables by project and meter. Every text from the ledger or the catalog goes
through ``html.escape``. Pure: returns text, ``.reports`` writes it.
"""

import decimal
import re
from html import escape

from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import rating

D = decimal.Decimal


def _esc(text):
    return escape(str(text), quote=True)


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
             '<defs><pattern id="no-collection" width="8" height="8" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="8" height="8" fill="#f4f4f4"/>'
             '<line x1="0" y1="0" x2="0" y2="8" stroke="#c8c8c8" stroke-width="3"/></pattern></defs>',
             '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>' % (left, top + plot_h, width - 10, top + plot_h)]
    if any(d.get('collected') is False for d in daily):
        parts.append('<text x="%d" y="20" font-size="12" text-anchor="end" class="legend">hatched: no complete '
                     'collection that day</text>' % (width - 10))
    for frac in (D('0.5'), D(1)):
        y = top + plot_h - int(round(float(frac) * plot_h))
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/>' % (left, y, width - 10, y))
        parts.append('<text x="%d" y="%d" font-size="11" text-anchor="end">%s</text>' % (left - 4, y + 4, money(peak * frac)))
    for i, (day, value) in enumerate(zip(daily, values)):
        h = 0 if peak <= 0 else int(round(float(value / peak) * plot_h))
        x = left + i * slot
        if day.get('collected') is False:
            # no complete collection that day: a hatched column over the whole height, never a bar
            # that reads as cost or as zero usage (its figure, if any, rests on creation times)
            parts.append('<rect class="no-collection" x="%.1f" y="%d" width="%.1f" height="%d" fill="url(#no-collection)" '
                         'stroke="#bbb" data-label="%s" data-value="%s" data-collected="false"><title>%s: no complete '
                         'collection (%s %s rated from creation times)</title></rect>'
                         % (x + 1, top, max(slot - 2, 1), plot_h, day['day'], money(value), day['day'], money(value),
                            _esc(currency)))
            continue
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
tr.subtotal td { font-style: italic; border-bottom: 1px solid #999; }
tr.total-row td, div.total-row { font-weight: bold; border-top: 2px solid #444; }
h3 { font-size: 16px; margin: 18px 0 6px 0; }
'''


MONTHS = ('January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
          'November', 'December')


def _when(text):
    """Ledger time text -> '1 Oct 2026 00:00' (UTC, minutes); other text as it is."""
    m = re.match(r'^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})', text or '')
    if not m:
        return text
    return '%d %s %s %s' % (int(m.group(3)), MONTHS[int(m.group(2)) - 1][:3], m.group(1), m.group(4))


def period_title(period):
    """A human title: 'November 2026', 'December 2026 so far (to 1 Dec 2026 11:50 UTC)', or a window."""
    if period['kind'] in ('month', 'preview'):
        year, month = period['start'][:4], int(period['start'][5:7])
        title = '%s %s' % (MONTHS[month - 1], year)
        if period['kind'] == 'preview':
            title += ' so far (to %s UTC)' % _when(period['end'])
    else:
        title = '%s to %s UTC' % (_when(period['start']), _when(period['end']))
    return title + (' (partial)' if period.get('partial') else '')


def _num(value):
    """A quantity or unit price as written, without trailing zeros beyond 2 places."""
    d = D(value).normalize()
    return '{0:,}'.format(d.quantize(D('0.01'))) if d.as_tuple().exponent > -2 else '{0:,}'.format(d)


def statement_lines(items):
    """{workspace: {(project, tenant, platform): {(meter, description, unit, unit_price, discount): [quantity, cost]}}}."""
    out = {}
    for item in items:
        project = (item['project'] or '', item.get('tenant') or '', item['platform'])
        meter = (item['meter'], item.get('description') or item['meter'], item['unit'], item['unit_price'],
                 item.get('discount_percent') or '0')
        acc = out.setdefault(item['workspace'], {}).setdefault(project, {}).setdefault(meter, [D(0), D(0)])
        figures = rating.Figures.of(item)
        acc[0] += figures.quantity
        acc[1] += figures.cost
    return out


def _by_cost(mapping, cost):
    return sorted(mapping.items(), key=lambda kv: (-cost(kv[1]), kv[0]))


def statement_table(workspace, projects, currency):
    """One workspace: per project its meters (quantity, unit, unit price, cost), a project total
    row, the workspace total row; projects and meters by cost, largest first."""
    def project_cost(meters):
        return sum((v[1] for v in meters.values()), D(0))
    total = sum((project_cost(m) for m in projects.values()), D(0))
    out = ['<table class="statement" data-workspace="%s"><tr><th>project</th><th>meter</th><th class="num">quantity</th>'
           '<th>unit</th><th class="num">unit price (%s)</th><th class="num">discount %%</th>'
           '<th class="num">cost (%s)</th></tr>' % (_esc(workspace), _esc(currency), _esc(currency))]
    for (project, tenant, platform), meters in _by_cost(projects, project_cost):
        label = '%s (%s on %s)' % (project, tenant, platform) if tenant else '%s (%s)' % (project, platform)
        for (meter, description, unit, price, discount), (quantity, cost) in _by_cost(meters, lambda v: v[1]):
            out.append('<tr><td>%s</td><td>%s</td><td class="num">%s</td><td>%s</td><td class="num">%s</td>'
                       '<td class="num">%s</td><td class="num">%s</td></tr>'
                       % (_esc(label), _esc(description), _num(quantity), _esc(unit), _num(price), _esc(discount),
                          money(cost)))
        out.append('<tr class="subtotal"><td colspan="6">Total %s</td><td class="num">%s</td></tr>'
                   % (_esc(label), money(project_cost(meters))))
    out.append('<tr class="total-row"><td colspan="6">Total workspace %s</td><td class="num" data-value="%s">%s</td></tr>'
               '</table>' % (_esc(workspace), money(total), money(total)))
    return total, '\n'.join(out)


def _heading(doc, t, title, currency):
    """The title, the period line, the total (``t``: the totals, Decimal), the invoices and the list cost."""
    period = doc['period']
    invoices = sorted(set(i['invoice_id'] for i in doc['items'] if i.get('invoice_id')))
    state = {'new': 'closed', 'unchanged': 'closed', 'corrected': 'closed, corrected'}.get(doc['status'], doc['status'])
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head><body>'
           % (_esc(title), STYLE),
           '<h1>%s</h1>' % _esc(title),
           '<div class="meta">%s to %s UTC &middot; %s &middot; version %s &middot; platforms %s &middot; rated %s UTC</div>'
           % (_esc(_when(period['start'])), _esc(_when(period['end'])), _esc(state), _esc(doc.get('version', 0)),
              _esc(', '.join(doc.get('platforms') or [])), _esc(_when(doc['rated_at']))),
           '<div class="total" id="total" data-value="%s">Total %s %s</div>' % (money(t['cost']), money(t['cost']), _esc(currency))]
    if invoices:
        out.append('<div class="meta" id="invoices">Invoices: %s</div>' % _esc(', '.join(invoices)))
    if t['list_cost'] != t['cost']:
        out.append('<div class="meta">List cost %s %s; discounts %s %s</div>'
                   % (money(t['list_cost']), _esc(currency), money(t['list_cost'] - t['cost']), _esc(currency)))
    return out


def _statement(doc, by_ws, currency):
    """The statement by workspace and project, with its grand total."""
    out = ['<section id="statement"><h2>Statement by workspace and project</h2>']
    lines = statement_lines(doc['items'])
    grand = D(0)
    for workspace, dummy in sorted(by_ws, key=lambda kv: (-kv[1], kv[0])):
        total, table = statement_table(workspace, lines.get(workspace, {}), currency)
        grand += total
        out.append('<h3>Workspace %s: %s %s</h3>%s' % (_esc(workspace), money(total), _esc(currency), table))
    out.append('<div class="total-row" id="grand-total" data-value="%s">Total of all workspaces: %s %s</div></section>'
               % (money(grand), money(grand), _esc(currency)))
    return out


def _by_project_and_meter(doc, t, currency):
    projects = {}
    for item in doc['items']:
        key = (item['workspace'], item['project'], item['platform'], item.get('tenant') or '')
        projects[key] = projects.get(key, D(0)) + rating.Figures.of(item).cost
    out = ['<section><h2>By project</h2><table id="table-projects"><tr><th>workspace</th><th>project</th>'
           '<th>tenant</th><th>platform</th><th class="num">cost (%s)</th></tr>' % _esc(currency)]
    for (ws, proj, platform, tenant), cost in sorted(projects.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td></tr>'
                   % (_esc(ws), _esc(proj), _esc(tenant), _esc(platform), money(cost)))
    out.append('<tr class="total-row"><td colspan="4">Total</td><td class="num">%s</td></tr></table></section>'
               % money(t['cost']))
    out.append('<section><h2>By meter</h2><table id="table-meters"><tr><th>meter</th><th class="num">cost (%s)</th></tr>'
               % _esc(currency))
    for meter, cost in sorted(t['by_meter'].items(), key=lambda kv: (-kv[1], kv[0])):
        out.append('<tr><td>%s</td><td class="num">%s</td></tr>' % (_esc(meter), money(cost)))
    out.append('<tr class="total-row"><td>Total</td><td class="num">%s</td></tr></table></section>' % money(t['cost']))
    return out


def _revisions_and_budgets(doc):
    out = []
    if doc.get('revisions') and len(doc['revisions']) > 1:
        out.append('<section><h2>Revisions</h2><ul>')
        for rev in doc['revisions']:
            out.append('<li>revision %s rated %s: %s correction item(s)</li>'
                       % (rev['revision'], _esc(rev['rated_at']), rev['corrections']))
        out.append('</ul></section>')
    if (doc.get('budgets') or {}).get('workspaces'):
        out.append('<section id="budgets"><h2>Budgets</h2><table id="table-budgets"><tr><th>workspace</th>'
                   '<th class="num">budget</th><th class="num">used</th><th class="num">used %%</th>'
                   '<th class="num">remaining</th><th class="num">forecast to month end</th><th>alerts</th></tr>')
        for ws, b in sorted(doc['budgets']['workspaces'].items()):
            alerts = ', '.join('%s %% (%s)' % (a['threshold'], a['basis']) for a in b['alerts']) or '-'
            out.append('<tr class="%s"><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td>'
                       '<td class="num">%s</td><td class="num">%s</td><td>%s</td></tr>'
                       % ('remark' if b['alerts'] else '', _esc(ws), money(b['budget']), money(b['used']),
                          _esc(b['used_percent'] or '-'), money(b['remaining']), money(b['forecast']), _esc(alerts)))
        out.append('</table></section>')
    return out


FEE_RULE = ('A project\'s monthly fee is billed by the platform whose lz-platform marker it carries, and only '
            'there, from its first collection (Keystone keeps no creation time of a project) to the last collection '
            'that saw it, as the exact fraction of each calendar month; each fee line\'s charge start and end are '
            'those bounds. Resources are billed where they are, to the workspace of their project.')


LEDGER_TIME = re.compile(r'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z')


def _human(note):
    """A note with its ledger times as the page writes times ('5 Dec 2026 22:16 UTC')."""
    return LEDGER_TIME.sub(lambda m: '%s UTC' % _when(m.group(0)), note)


def _collections(doc):
    """The collections behind the figures, per platform, and the notes on what they lack."""
    found = doc.get('collections') or {}
    out = ['<section id="collections"><h2>Collections behind these figures</h2>']
    if doc.get('notes'):
        out.append('<ul class="remark" id="notes">%s</ul>' % ''.join('<li>%s</li>' % _esc(_human(n)) for n in doc['notes']))
    if found:
        out.append('<table id="table-collections"><tr><th>platform</th><th>first complete</th><th>last complete</th>'
                   '<th class="num">longest gap (h)</th><th class="num">complete runs</th>'
                   '<th class="num">partial runs</th><th class="num">days without a complete collection</th></tr>')
        for platform, c in sorted(found.items()):
            out.append('<tr class="%s" data-platform="%s"><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td>'
                       '<td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>'
                       % ('remark' if c['partial'] or c['days_without'] else '', _esc(platform), _esc(platform),
                          _esc(_when(c['first_complete']) or '-'), _esc(_when(c['last_complete']) or '-'),
                          _esc(c['longest_gap']['hours']), c['complete'], c['partial'], len(c['days_without'])))
        out.append('</table>')
    out.append('<div class="meta" id="fee-rule">%s</div></section>' % _esc(FEE_RULE))
    return out


def _remarks(doc):
    """What the period lacks: coverage by the collections, prices."""
    out = []
    if doc.get('coverage'):
        out.append('<section id="coverage"><h2>Partial: not covered by the collections</h2><ul class="remark">')
        for platform, problems in sorted(doc['coverage'].items()):
            for problem in problems:
                out.append('<li>%s: %s</li>' % (_esc(platform or 'ledger'), _esc(problem)))
        out.append('</ul><div class="meta">This period is not closed: rated again, it is rewritten.</div></section>')
    if doc.get('unpriced'):
        out.append('<section><h2>Unpriced usage</h2><ul class="remark">')
        for u in doc['unpriced']:
            out.append('<li>%s %s %s: %s quantity-hours</li>' % (_esc(u['kind']), _esc(u['meter'] or ''),
                                                                 _esc(u['selector'] or ''), _esc(u['quantity_hours'])))
        out.append('</ul></section>')
    return out


def report(doc):
    """The page of a period document (``reports.build``): a statement a finance person can read."""
    t = rating.totals_from_json(doc['totals'])
    currency = doc.get('currency') or ''
    title = 'Chargeback statement %s' % period_title(doc['period'])
    by_ws = list(t['by_workspace'].items())
    by_service = list(t['by_service'].items())
    out = _heading(doc, t, title, currency)
    out.extend(_collections(doc))
    out.append('<section>%s</section>' % hbar_chart('chart-workspace', 'Cost by workspace (%s)' % currency, by_ws, currency))
    out.append('<section>%s</section>' % hbar_chart('chart-service', 'Cost by service (%s)' % currency, by_service, currency))
    out.append('<section>%s</section>' % day_chart('chart-daily', 'Cost day by day (%s)' % currency, doc['daily'], currency))
    out.extend(_statement(doc, by_ws, currency))
    out.extend(_by_project_and_meter(doc, t, currency))
    out.extend(_revisions_and_budgets(doc))
    out.extend(_remarks(doc))
    out.append('<div class="meta">%d line items; line_items.csv, line_items.json and focus.csv hold them all.</div>'
               % len(doc['items']))
    out.append('</body></html>\n')
    return '\n'.join(out)
