# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chargeback reports: one directory per period, every file written atomically.

``<output_dir>/<period label>/`` (label ``2026-11``, ``2026-12-preview`` or
``20261101T000000Z--20261115T000000Z``):

- ``line_items.json``: the period, its revisions, every line item (originals and corrections),
  the totals, the day-by-day costs and the unpriced usage. It is also the *store* of the
  period: a closed period rated again is compared with it and only correction items are
  appended (``rating.reconcile``); the original items are never rewritten.
- ``line_items.csv``: the same items, one row each (``LINE_COLUMNS``).
- ``focus.csv``: FOCUS-compatible cost and usage rows (``FOCUS_COLUMNS``; ``x_`` columns are
  ours).
- ``report.html``: a static page (``.html``).
- ``focus.parquet`` (only with ``parquet=True``, needs pyarrow): the rows of ``focus.csv``, typed
  (``_chargeback/parquet.py``).

Each file is written through ``_files.atomic_write`` (a temporary file beside it, fsynced, then
moved over the old one with the module's ``atomic_move``), so a reader never sees half a file;
``line_items.json`` is written last, so an interrupted write leaves the previous store in place.
"""

import csv
import enum
import hashlib
import io
import json
import os

from ansible_collections.landingzone.openstack.plugins.module_utils import _files, _kinds, _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import budgets, coverage as _coverage, html, parquet, rating

STORE = 'line_items.json'
FILES = ('line_items.csv', 'focus.csv', 'report.html', STORE)
FORMAT_VERSION = 1


class StatementStatus(str, enum.Enum):
    """What a rating did to the period's statement. A str-enum like ``_results.Text``, on its
    own (the ledger readers ship no result code); the statement holds its text."""

    NEW = 'new'                 # closed now
    UNCHANGED = 'unchanged'     # closed before, nothing to correct
    CORRECTED = 'corrected'     # closed before, corrections appended
    OPEN = 'open'
    PARTIAL = 'partial'         # rated with allow_partial: not frozen
    PREVIEW = 'preview'

    def __str__(self):
        return self.value


LINE_COLUMNS = ('workspace', 'project', 'tenant', 'platform', 'project_id', 'resource_id', 'resource_name',
                'resource_type', 'meter', 'sku', 'quantity', 'unit', 'unit_price', 'discount_percent',
                'list_cost', 'cost', 'currency', 'charge_start', 'charge_end', 'charge_class', 'revision', 'tags')
# FOCUS 1.2 (CostAndUsage): every mandatory column, the recommended ones we can fill, then ours (x_).
# FOCUS 1.3 renamed ProviderName to ServiceProviderName and added HostProviderName; the file is 1.2,
# so it carries the 1.2 names (docs/chargeback.md lists the mapping).
FOCUS_VERSION = '1.2'
FOCUS_COLUMNS = ('BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'BillingCurrency',
                 'BillingAccountId', 'BillingAccountName', 'BillingAccountType',
                 'BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd',
                 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency',
                 'CommitmentDiscountCategory', 'CommitmentDiscountId', 'CommitmentDiscountName',
                 'CommitmentDiscountQuantity', 'CommitmentDiscountStatus', 'CommitmentDiscountType',
                 'CommitmentDiscountUnit',
                 'ConsumedQuantity', 'ConsumedUnit', 'InvoiceId', 'InvoiceIssuerName',
                 'PricingCategory', 'PricingQuantity', 'PricingUnit', 'ListUnitPrice',
                 'ContractedUnitPrice', 'ProviderName', 'PublisherName',
                 'ResourceId', 'ResourceName', 'ResourceType', 'ServiceName',
                 'ServiceCategory', 'ServiceSubcategory', 'SubAccountId', 'SubAccountName', 'SubAccountType',
                 'SkuId', 'Tags', 'RegionId', 'RegionName',
                 'x_Workspace', 'x_Project', 'x_Platform', 'x_LandingZone', 'x_Meter', 'x_DiscountPercent',
                 'x_Revision', 'x_LineKey', 'x_Attributes')


def _focus_time(value):
    return value[:19] + 'Z' if value else ''


# The catalog's units in the FOCUS unit format (plural time units, "GiB-Hours").
FOCUS_UNITS = {'hour': 'Hours', 'vCPU-hour': 'vCPU-Hours', 'GiB-hour': 'GiB-Hours', 'month': 'Months'}

# Who issues the statements (module option ``billing``, role ``chargeback_billing``).
BILLING_DEFAULTS = dict(provider_name='OpenStack platform', publisher_name=None, invoice_issuer_name=None,
                        account_tag='cost-centre')


def billing_settings(given=None):
    """``given`` over BILLING_DEFAULTS; publisher and invoice issuer default to the provider."""
    out = dict(BILLING_DEFAULTS)
    out.update(dict((k, v) for k, v in (given or {}).items() if v not in (None, '')))
    out['publisher_name'] = out['publisher_name'] or out['provider_name']
    out['invoice_issuer_name'] = out['invoice_issuer_name'] or out['provider_name']
    return out


def billing_account(item, account_tag):
    """(id, name, type) of the account a line is billed to: the value of the project's
    ``account_tag`` tag (the cost centre by default), else its workspace."""
    value = keystone_tags(item.get('project_tags')).get(account_tag)
    if value not in (None, True, ''):
        return str(value), '%s %s' % (account_tag, value), account_tag
    return item['workspace'], 'workspace %s' % item['workspace'], 'workspace'


def invoice_id(label, account, revision):
    """The invoice of an account in a closed period; corrections of revision n get their own."""
    return '%s-%s' % (label, account) if not revision else '%s-%s-%d' % (label, account, revision)


def stamp(items, account_tag, label=None):
    """Set the billing account of ``items`` (and, with ``label``, of a closing, their invoice)."""
    for item in items:
        if 'billing_account_id' not in item:
            item['billing_account_id'], item['billing_account_name'], item['billing_account_type'] = \
                billing_account(item, account_tag)
        if label is not None:
            item['invoice_id'] = invoice_id(label, item['billing_account_id'], item.get('revision') or 0)
    return items


def keystone_tags(tags):
    """Keystone's tag strings as FOCUS key-value pairs: ``key=value``, and a bare ``key`` as
    ``true`` (FOCUS: a tag without a value has the value true)."""
    out = {}
    for tag in tags or ():
        key, sep, value = tag.partition('=')
        out[key] = value if sep else True
    return out


def load_store(directory):
    """The stored document of a period directory, or None."""
    path = os.path.join(directory, STORE)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def build(period, rated, previous, rated_at, coverage=None, billing=None, budget=None):
    """The period's document: the new rating, or (a period already stored closed) the stored
    items plus corrections. ``status``: new, unchanged, corrected, open, partial or preview.
    ``coverage``: what the ledger's collections miss of the period ({platform: [problem]});
    ``billing``: ``billing_settings`` (a closed period keeps those it was closed with);
    ``budget``: (amounts, thresholds) of ``budgets.load``, measured at the rating time."""
    billing = billing_settings(billing)
    new_items, new_figures = rated['items'], rated.get('figures')
    revisions = []
    # once frozen, always frozen: a later partial rating of it only appends corrections
    if (period.closed or period.partial) and previous and previous.get('period', {}).get('closed'):
        period.closed, period.partial = True, False
        billing = previous.get('billing') or billing
        old_items = previous['items']
        revision = max([r['revision'] for r in previous.get('revisions', [])] + [0]) + 1
        corrections = stamp(rating.reconcile(old_items, new_items, revision, new_figures), billing['account_tag'],
                            period.label)
        revisions = list(previous.get('revisions', []))
        if corrections:
            revisions.append(dict(revision=revision, rated_at=rated_at, corrections=len(corrections)))
            status = StatementStatus.CORRECTED
        else:
            status = StatementStatus.UNCHANGED
        items, figures = list(old_items) + corrections, None  # the store's items: read from their text
    else:
        items = stamp(list(new_items), billing['account_tag'], period.label if period.closed else None)
        figures = new_figures
        revisions = [dict(revision=0, rated_at=rated_at, corrections=0)]
        status = (StatementStatus.PREVIEW if period.preview else StatementStatus.NEW if period.closed
                  else StatementStatus.PARTIAL if period.partial else StatementStatus.OPEN)
        corrections = []
    totals = rating.totals(items, figures)
    collections = rated.get('collections') or {}
    doc = dict(format=FORMAT_VERSION, period=period.to_dict(), status=status.value, rated_at=rated_at,
               revisions=revisions, platforms=rated.get('platforms', []),
               currency=totals['currency'] or rated.get('currency'), totals=rating.totals_json(totals),
               daily=collected_days(rated['daily'], collections), unpriced=rated['unpriced'],
               corrections=len(corrections), coverage=coverage or {}, collections=collections,
               notes=_coverage.notes(collections, period) + fee_notes(rated.get('fees_not_billed') or []),
               fees_not_billed=rated.get('fees_not_billed') or [], billing=billing, focus_version=FOCUS_VERSION,
               version=max([r['revision'] for r in revisions] + [0]), items=items)
    if budget and budget[0]:
        doc['budgets'] = budgets.evaluate(budget[0], budget[1], period, totals['by_workspace'], _time.parse(rated_at))
    return doc


def collected_days(daily, collections):
    """The day-by-day costs, each marked ``collected``: whether every platform rated has a complete
    collection that day (no collections known: every day unmarked, as before)."""
    if not collections:
        return daily
    missing = set(day for c in collections.values() for day in c['days_without'])
    return [dict(d, collected=d['day'] not in missing) for d in daily]


def fee_notes(not_billed):
    """Sentences on the projects seen here whose monthly fee this statement does not bill."""
    elsewhere = sorted(set((n['platform'], n['home']) for n in not_billed if n['rule'] == rating.FeeRule.OTHER_PLATFORM.value))
    out = ['%s: projects of platform %s hold resources here: they are billed here, their monthly fees on %s'
           % (platform, home, home) for platform, home in elsewhere]
    unmarked = [n for n in not_billed if n['rule'] == rating.FeeRule.NO_PLATFORM_MARKER.value]
    if unmarked:
        names = sorted('%s/%s' % (n['workspace'], n['project'] or n['project_id']) for n in unmarked)
        out.append('%d project(s) carry the workspace marker but no platform marker (%s): their monthly fees are '
                   'billed on no platform (replication does not match them either); docs/chargeback.md'
                   % (len(unmarked), ', '.join(names)))
    return out


def file_names(with_parquet=False):
    """The report files of a period, in writing order (the store last)."""
    return FILES[:-1] + ((parquet.NAME,) if with_parquet else ()) + (STORE,)


def render(doc, with_parquet=False):
    """{file name: text (bytes for Parquet)} of every report file of ``doc``."""
    texts = {'line_items.csv': line_items_csv(doc), 'focus.csv': focus_csv(doc),
             'report.html': html.report(doc), STORE: json.dumps(doc, indent=1, sort_keys=True) + '\n'}
    if with_parquet:
        texts[parquet.NAME] = parquet.render(focus_rows(doc), FOCUS_COLUMNS)
    return texts


def sha256(text):
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode('utf-8')).hexdigest()


def file_sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def statement_key(doc):
    """What names a statement in the ledger: its period label and the platforms rated."""
    return '%s|%s' % (doc['period']['label'], ','.join(doc.get('platforms') or []))


def write(directory, doc, move=None, hashes=None, with_parquet=False):
    """Write every report of ``doc`` into ``directory`` (created), the store last. Returns paths.
    ``move``: the module's ``atomic_move`` (see ``_files.atomic_write``); ``hashes``: a dict that
    receives {file name: sha256 of the text written}."""
    os.makedirs(directory, exist_ok=True)
    texts = render(doc, with_parquet)
    out = []
    for name in file_names(with_parquet):
        path = os.path.join(directory, name)
        _files.atomic_write(path, texts[name], move)
        out.append(path)
        if hashes is not None:
            hashes[name] = sha256(texts[name])
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
    billing = billing_settings(doc.get('billing'))
    for item in doc['items']:
        figures = rating.Figures.of(item)
        # Tags: only the tags the project really carries in Keystone (the collector records no
        # resource tags); our attributes (flavor, volume type, status...) go to x_Attributes.
        tags = keystone_tags(item.get('project_tags'))
        account = (item.get('billing_account_id'), item.get('billing_account_name'), item.get('billing_account_type'))
        if account[0] is None:
            account = billing_account(item, billing['account_tag'])
        unit = FOCUS_UNITS.get(item['unit'], item['unit'])
        yield {
            'BilledCost': item['cost'], 'EffectiveCost': item['cost'], 'ListCost': item['list_cost'],
            'ContractedCost': item['cost'], 'BillingCurrency': item['currency'],
            'BillingPeriodStart': _focus_time(period['start']), 'BillingPeriodEnd': _focus_time(period['end']),
            'ChargePeriodStart': _focus_time(item['charge_start']), 'ChargePeriodEnd': _focus_time(item['charge_end']),
            'BillingAccountId': account[0], 'BillingAccountName': account[1], 'BillingAccountType': account[2],
            # FOCUS: a Purchase is a prepayment amortised into later usage (EffectiveCost 0); the
            # monthly fee is not, so it is a recurring Usage charge there (ours says Purchase)
            'ChargeCategory': 'Usage',
            'ChargeClass': 'Correction' if item.get('charge_class') == 'correction' else '',
            'ChargeDescription': item['description'],
            'ChargeFrequency': 'Recurring' if item['charge_category'] == 'Purchase' else 'Usage-Based',
            'ConsumedQuantity': item['quantity'], 'ConsumedUnit': unit,
            'InvoiceId': item.get('invoice_id') or '', 'InvoiceIssuerName': billing['invoice_issuer_name'],
            'PricingCategory': 'Standard',
            'PricingQuantity': item['quantity'], 'PricingUnit': unit,
            'ProviderName': billing['provider_name'], 'PublisherName': billing['publisher_name'],
            'ListUnitPrice': item['unit_price'], 'ContractedUnitPrice': str(figures.contracted_unit_price()),
            'ResourceId': item['resource_id'], 'ResourceName': item.get('resource_name') or '',
            'ResourceType': item.get('resource_type') or '', 'ServiceName': item['service'],
            'ServiceCategory': item['service_category'],
            'ServiceSubcategory': _kinds.meter(item['meter']).subcategory, 'SubAccountId': item['project_id'],
            'SubAccountName': item.get('tenant') or item['project'], 'SubAccountType': 'Project', 'SkuId': item['sku'],
            'Tags': json.dumps(tags, sort_keys=True), 'RegionId': item['platform'], 'RegionName': item['platform'],
            'x_Workspace': item['workspace'], 'x_Project': item['project'], 'x_Platform': item['platform'],
            'x_LandingZone': item.get('landing_zone') or '', 'x_Meter': item['meter'],
            'x_DiscountPercent': item['discount_percent'], 'x_Revision': item.get('revision', 0),
            'x_LineKey': item['key'], 'x_Attributes': json.dumps(item.get('tags') or {}, sort_keys=True),
        }


def focus_csv(doc):
    return _csv(focus_rows(doc), FOCUS_COLUMNS)


# ------------------------------------------------------------------------------ one call

def chargeback(ledger, catalog, period, output_dir=None, platforms=None, write_files=True, rated_at=None,
               move=None, coverage=None, billing=None, budget=None, with_parquet=False):
    """Rate ``period`` and (unless ``write_files`` is false, e.g. check mode) write its reports
    under ``output_dir/<label>``. Returns (doc, result): ``result`` says whether anything changed
    (a closed period already rated and unchanged writes nothing), the files and a summary."""
    rated_at = rated_at or _time.ts(_time.utcnow())
    rated = rating.rate_exact(ledger, catalog, period, platforms)
    rated['currency'] = catalog.currency
    rated['collections'] = _coverage.collections(ledger, rated['platforms'], period, rating.period_days(period))
    directory = os.path.join(output_dir, period.label) if output_dir else None
    previous = load_store(directory) if directory else None
    doc = build(period, rated, previous, rated_at, coverage, billing, budget)
    changed = doc['status'] != StatementStatus.UNCHANGED
    files = [os.path.join(directory, name) for name in file_names(with_parquet)] if directory else []
    hashes = {}
    if changed and write_files and directory:
        write(directory, doc, move, hashes, with_parquet)
    result = dict(changed=changed, status=doc['status'], period=doc['period'], directory=directory, files=files,
                  totals=doc['totals'], currency=doc['currency'], corrections=doc['corrections'],
                  revisions=doc['revisions'], unpriced=doc['unpriced'], daily=doc['daily'],
                  platforms=doc['platforms'], line_items=len(doc['items']), coverage=doc['coverage'],
                  collections=doc['collections'], notes=doc['notes'], fees_not_billed=doc['fees_not_billed'],
                  version=doc['version'], statement=statement_key(doc), hashes=hashes,
                  budgets=(doc.get('budgets') or {}).get('workspaces', {}),
                  budget_alerts=(doc.get('budgets') or {}).get('alerts', []),
                  invoices=sorted(set(i['invoice_id'] for i in doc['items'] if i.get('invoice_id'))))
    return doc, result


def verify(ledger, catalog, period, output_dir, platforms=None):
    """What is wrong with the closed statement of ``period`` under ``output_dir``: (problems,
    facts). A statement is as it was closed when each file has the sha256 the ledger recorded for
    its latest version and re-rating the ledger gives its figures again (no correction due)."""
    directory = os.path.join(output_dir, period.label)
    stored = load_store(directory)
    if not stored or not stored.get('period', {}).get('closed'):
        return ['%s holds no closed statement' % directory], dict(directory=directory)
    key = statement_key(stored)
    version = stored.get('version', max([r['revision'] for r in stored.get('revisions', [])] + [0]))
    expected = ledger.statement_hashes(key).get(version)
    problems = []
    if not expected:
        problems.append('the ledger records no content hash of statement %s version %d' % (key, version))
    else:
        # the files the ledger recorded at the close (focus.parquet when it was written) and the usual ones
        for name in sorted(set(FILES) | set(expected)):
            path = os.path.join(directory, name)
            if not os.path.exists(path):
                problems.append('%s is missing' % name)
            elif file_sha256(path) != expected.get(name):
                problems.append('%s was changed after it was written: its sha256 is not the one the ledger recorded '
                                'for version %d' % (name, version))
    rated = rating.rate_exact(ledger, catalog, period, stored.get('platforms') or platforms)
    due = rating.reconcile(stored['items'], rated['items'], version + 1, rated['figures'])
    if due:
        problems.append('re-rating the ledger no longer gives the statement\'s figures: %d line(s) differ (ledger rows '
                        'or the price catalog changed after the close, or collections came late); rating the period '
                        'appends them as corrections' % len(due))
    return problems, dict(directory=directory, statement=key, version=version, corrections_due=len(due),
                          invoices=sorted(set(i['invoice_id'] for i in stored['items'] if i.get('invoice_id'))))
