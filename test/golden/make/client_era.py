#!/usr/bin/env python3
"""Writes the golden measurements for blocks that judge the client and its degree (app.*, tls.fingerprint,
tls.ech_blocked, throttling by timing, controls that cannot be reached): recorded shapes, exact verdicts.
Run from the repository root: python3 test/golden/make/client_era.py"""
import json, os

OUT = 'test/golden/analysis'
STARTED = '2026-11-01T10:00:00.000Z'

def measurement(app, vantage, target, **over):
    m = {'app': app, 'vantage': vantage, 'target': target, 'startedAt': STARTED, 'queries': [], 'tcp_connect': [],
         'tls_handshakes': [], 'requests': [], 'failure': None, 'operation': None, 'timings': {'total': 0.3}}
    m.update(over)
    return m

def golden(name, description, m, expected, control=None, control_queries_=None, diagnosis=None, online=True, missing=None):
    inp = {'vantageOnline': online, 'controlQueries': control_queries_, 'control': control, 'diagnosis': diagnosis or [], 'measurement': m}
    if missing:
        inp['controlsMissing'] = missing
    g = {'name': name, 'description': description, 'input': inp,
         'expected': {'status': expected[0], 'pattern': expected[1]}}
    if len(expected) > 2:
        g['expected']['diagnosis'] = expected[2]
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(g, f, indent=1, ensure_ascii=False)
        f.write('\n')

def connect(ip, port, failure=None):
    return {'ip': ip, 'port': port, 'status': {'success': failure is None, 'failure': failure}, 't0': 0.001, 't': 0.04}

# ---- MTProto: Telegram's data centre, req_pq_multi over the intermediate transport ----
DC2 = '149.154.167.51'
MT = {'id': 'dc2', 'kind': 'mtproto', 'host': DC2, 'port': 443, 'transport': 'intermediate', 'dc': 2}

def exchange(transport, response, failure, received=0, t=0.09):
    x = {'protocol': 'mtproto', 'address': f'{DC2}:443', 'transport': transport, 'sent': 48 if transport != 'obfuscated2' else 104,
         'received': received, 'response': response, 'failure': failure, 't0': 0.04, 't': t}
    if response == 'res_pq':
        x['detail'] = {'pq': '1724114033281923457', 'fingerprints': ['a5b7f709355fc30b']}
    return x

def mtproto(vantage, x):
    op = None if x['failure'] is None else 'mtproto_handshake'
    return measurement('telegram', vantage, MT, tcp_connect=[connect(DC2, 443)], app_exchanges=[x], failure=x['failure'], operation=op,
                       timings={'connect': 0.039, 'ttfb': x['t'] - x['t0'], 'total': x['t']})

OK_MT = mtproto('abroad', exchange('intermediate', 'res_pq', None, 84))
SILENT = exchange('intermediate', None, 'generic_timeout_error', 0, 4.0)
RESET = exchange('intermediate', None, 'connection_reset', 0, 0.05)

def tstep(kind, transport, ok, failure=None):
    return {'step': kind, 'input': f'{DC2}:443 transport={transport}', 'outcome': 'success' if ok else 'failure', 'failure': None if ok else failure,
            'detail': {'ip': DC2, 'port': 443, 'transport': transport, 'dc': 2, 'operation': 'mtproto_handshake', 'response': 'res_pq' if ok else None}}

golden('app-timeout-blocked', 'TCP to the data centre connects, req_pq_multi gets no answer; obfuscated2 is unanswered too, the control gets a resPQ.',
       mtproto('isp', SILENT), ('blocked', 'app.timeout', None), control=OK_MT,
       diagnosis=[tstep('transport_swap', 'obfuscated2', False, 'generic_timeout_error'), tstep('transport_repeat', 'intermediate', False, 'generic_timeout_error')])
golden('app-reset-blocked', 'The connection is reset right after the intermediate transport\'s first bytes (TSPU, 2026); obfuscated2 is reset too; the control gets a resPQ.',
       mtproto('isp', RESET), ('blocked', 'app.reset', None), control=OK_MT,
       diagnosis=[tstep('transport_swap', 'obfuscated2', False, 'connection_reset'), tstep('transport_repeat', 'intermediate', False, 'connection_reset')])
golden('app-dpi-blocked', 'The intermediate transport is dropped once its first bytes appear; obfuscated2 to the same address gets a resPQ: the censor reads the protocol. No control needed.',
       mtproto('isp', SILENT), ('blocked', 'app.dpi', 'transport_swap'), control=None,
       diagnosis=[tstep('transport_swap', 'obfuscated2', True), tstep('transport_repeat', 'intermediate', False, 'generic_timeout_error')])
golden('app-timeout-outage', 'The data centre answers no req_pq_multi from anywhere: the control is unanswered too, an outage.',
       mtproto('isp', SILENT), ('down', None), control=mtproto('abroad', SILENT),
       diagnosis=[tstep('transport_swap', 'obfuscated2', False, 'generic_timeout_error'), tstep('transport_repeat', 'intermediate', False, 'generic_timeout_error')])
golden('app-timeout-transient', 'The first exchange went unanswered, the same exchange repeated got a resPQ: transient, never a block.',
       mtproto('isp', SILENT), ('anomaly', None, 'transport_repeat'), control=OK_MT,
       diagnosis=[tstep('transport_swap', 'obfuscated2', True), tstep('transport_repeat', 'intermediate', True)])
