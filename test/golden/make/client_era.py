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

# ---- Client hellos: Telegram's web client judged by its ClientHello (TSPU, 2026), and ECH towards Cloudflare (2024) ----
TG_IP, TG_HOST = '149.154.167.99', 'web.telegram.org'
HELLO_T = {'id': 'web-hello', 'kind': 'tls', 'host': TG_HOST, 'port': 443, 'sni': TG_HOST, 'hello': 'telegram-desktop'}

def hello_hs(ip, sni, hello, failure=None, ech=False, response=None):
    reached = failure is None
    return {'address': f'{ip}:443', 'server_name': sni, 'tls_version': 'TLSv1.3' if reached else None, 'cipher_suite': 'TLS_AES_128_GCM_SHA256' if reached else None,
            'negotiated_protocol': None, 'peer_certificates': [], 'validated': False, 'failure': failure, 't0': 0.04, 't': 0.09 if reached else 4.0,
            'hello': hello, 'ech': ech, 'server_response': response if response else ('server_hello' if reached else None), 'alert': None}

def tls_query(host, ip):
    ans = [{'answer_type': 'A', 'value': ip, 'ttl': 300}]
    return [{'hostname': host, 'query_type': 'A', 'engine': 'udp', 'resolver_address': 'udp://192.0.2.53:53', 'answers': ans, 'rcode': 'NOERROR', 'failure': None,
             'replies': [{'rcode': 'NOERROR', 'answers': ans, 't': 0.011, 'id': 4242}], 't0': 0, 't': 0.012}]

def hello_m(vantage, target, ip, hs):
    return measurement('telegram', vantage, target, queries=tls_query(target['host'], ip), tcp_connect=[connect(ip, 443)], tls_handshakes=[hs],
                       failure=hs['failure'], operation=None if hs['failure'] is None else 'tls_handshake',
                       timings={'dns': 0.012, 'connect': 0.03, 'tls': hs['t'] - hs['t0'], 'total': hs['t']})

def hstep(kind, ip, sni, hello, ok, failure=None, ech=None):
    d = {'ip': ip, 'port': 443, 'sni': sni, 'operation': 'tls_handshake'}
    if hello: d['hello'] = hello
    if ech: d['ech'] = ech
    inp = f'{ip}:443 sni={sni}' + (f' hello={hello}' if hello else '') + (f' ech={ech}' if ech else '')
    return {'step': kind, 'input': inp, 'outcome': 'success' if ok else 'failure', 'failure': None if ok else failure, 'detail': d}

RST = 'connection_reset'
golden('tls-fingerprint-blocked', "Telegram Desktop's hello is reset at the ClientHello and again when repeated; Chromium's, Firefox's and node's hellos with the same name reach a ServerHello on the same address: the censor judges the fingerprint.",
       hello_m('isp', HELLO_T, TG_IP, hello_hs(TG_IP, TG_HOST, 'telegram-desktop', RST)), ('blocked', 'tls.fingerprint', 'hello_swap'),
       control=hello_m('abroad', HELLO_T, TG_IP, hello_hs(TG_IP, TG_HOST, 'telegram-desktop')),
       diagnosis=[hstep('sni_swap', TG_IP, 'example.com', 'telegram-desktop', True, ech='none'), hstep('sni_repeat', TG_IP, TG_HOST, 'telegram-desktop', False, RST, ech='none'),
                  hstep('hello_swap', TG_IP, TG_HOST, 'chromium', True, ech='none'), hstep('hello_swap', TG_IP, TG_HOST, 'firefox', True, ech='none'),
                  hstep('hello_swap', TG_IP, TG_HOST, 'node', True, ech='none')])
golden('tls-fingerprint-outage', "Every hello to the address goes unanswered, from the vantage and from the control: the server is down, no client is singled out.",
       hello_m('isp', HELLO_T, TG_IP, hello_hs(TG_IP, TG_HOST, 'telegram-desktop', 'generic_timeout_error')), ('down', None),
       control=hello_m('abroad', HELLO_T, TG_IP, hello_hs(TG_IP, TG_HOST, 'telegram-desktop', 'generic_timeout_error')),
       diagnosis=[hstep('sni_swap', TG_IP, 'example.com', 'telegram-desktop', False, 'generic_timeout_error', ech='none'), hstep('sni_repeat', TG_IP, TG_HOST, 'telegram-desktop', False, 'generic_timeout_error', ech='none'),
                  hstep('hello_swap', TG_IP, TG_HOST, 'chromium', False, 'generic_timeout_error', ech='none'), hstep('hello_swap', TG_IP, TG_HOST, 'node', False, 'generic_timeout_error', ech='none')])

CF_IP, CF_HOST = '104.16.132.229', 'chat.example'
ECH_T = {'id': 'web-ech', 'kind': 'tls', 'host': CF_HOST, 'port': 443, 'sni': 'cloudflare-ech.com', 'hello': 'chromium', 'ech': 'grease'}
golden('tls-ech-blocked', "Chromium's hello with GREASE ECH and the outer name cloudflare-ech.com is dropped (net4people/bbs#417); the same hello without ECH reaches a ServerHello; the control passes.",
       hello_m('isp', ECH_T, CF_IP, hello_hs(CF_IP, 'cloudflare-ech.com', 'chromium', 'generic_timeout_error', ech=True)), ('blocked', 'tls.ech_blocked', 'ech_swap'),
       control=hello_m('abroad', ECH_T, CF_IP, hello_hs(CF_IP, 'cloudflare-ech.com', 'chromium', ech=True)),
       diagnosis=[hstep('sni_swap', CF_IP, 'example.com', 'chromium', True, ech='grease'), hstep('sni_repeat', CF_IP, 'cloudflare-ech.com', 'chromium', False, 'generic_timeout_error', ech='grease'),
                  hstep('ech_swap', CF_IP, 'cloudflare-ech.com', 'chromium', True, ech='none'), hstep('hello_swap', CF_IP, 'cloudflare-ech.com', 'node', True, ech='none')])

# ---- Residual blocks: the innocuous name fails right after the blocked one on the same address ----
golden('tls-residual-inconclusive', "The hello with the name is reset, and so is the innocuous one right after it on the same address (a residual block, or every hello to the address): the pattern is what was seen, the diagnosis inconclusive.",
       hello_m('isp', {'id': 'api', 'kind': 'tls', 'host': TG_HOST, 'port': 443, 'sni': TG_HOST}, TG_IP, {**hello_hs(TG_IP, TG_HOST, None, RST), 'hello': None}), ('blocked', 'tls.reset', 'inconclusive'),
       control=hello_m('abroad', {'id': 'api', 'kind': 'tls', 'host': TG_HOST, 'port': 443, 'sni': TG_HOST}, TG_IP, {**hello_hs(TG_IP, TG_HOST, None), 'hello': None, 'validated': True}),
       diagnosis=[hstep('sni_swap', TG_IP, 'example.com', None, False, RST), hstep('sni_repeat', TG_IP, TG_HOST, None, False, RST),
                  hstep('hello_swap', TG_IP, TG_HOST, 'chromium', False, RST, ech='none')])

# ---- Throttling by timing (Türkiye 2025): the name's handshakes far slower than an innocuous name's on the same address ----
def tsample(sni, h):
    return {'sni': sni, 'handshake': h, 'failure': None}
def timing_step(ip, sni, vantage, control):
    return {'step': 'handshake_timing', 'input': f'{ip}:443 sni={sni} vs example.com', 'outcome': 'success', 'failure': None,
            'detail': {'ip': ip, 'port': 443, 'sni': sni, 'innocuous': 'example.com', 'ttfb': False, 'vantage': vantage, 'control': control}}
SLOW_T = {'id': 'api', 'kind': 'tls', 'host': TG_HOST, 'port': 443, 'sni': TG_HOST}
slow_hs = {**hello_hs(TG_IP, TG_HOST, None), 'hello': None, 'validated': True, 't': 3.64}
golden('throttled-handshake', "The handshake with the name takes 3.6 s and again 3.4 s, with example.com on the same address 0.2 s; the control times both alike (OONI's Türkiye 2025 method).",
       hello_m('isp', SLOW_T, TG_IP, slow_hs), ('blocked', 'throttled', 'handshake_timing'),
       diagnosis=[timing_step(TG_IP, TG_HOST, {'named': [tsample(TG_HOST, 3.4)], 'innocuous': [tsample('example.com', 0.2), tsample('example.com', 0.22)]},
                              {'named': [tsample(TG_HOST, 0.21)], 'innocuous': [tsample('example.com', 0.2), tsample('example.com', 0.2)]})])
golden('throttled-handshake-slow-server', "The handshake takes 3.6 s, and so do handshakes with example.com on the same address: a slow server, never throttled.",
       hello_m('isp', SLOW_T, TG_IP, slow_hs), ('ok', None),
       diagnosis=[timing_step(TG_IP, TG_HOST, {'named': [tsample(TG_HOST, 3.4)], 'innocuous': [tsample('example.com', 3.5), tsample('example.com', 3.3)]},
                              {'named': [tsample(TG_HOST, 3.5)], 'innocuous': [tsample('example.com', 3.4), tsample('example.com', 3.6)]})])

# ---- A control that cannot be reached (Venezuela, 2025: public resolvers blocked) ----
def silent_q(host, qtype):
    return {'hostname': host, 'query_type': qtype, 'engine': 'doh', 'resolver_address': 'https://dns.control.example/dns-query', 'answers': [], 'rcode': None,
            'failure': 'generic_timeout_error', 'replies': [], 't0': 0, 't': 5}
WA = {'id': 'dns-web', 'kind': 'dns', 'host': 'web.whatsapp.com'}
nx = [{'hostname': 'web.whatsapp.com', 'query_type': t, 'engine': 'udp', 'resolver_address': 'udp://192.0.2.53:53', 'answers': [], 'rcode': 'NXDOMAIN',
       'failure': 'dns_nxdomain_error', 'replies': [{'rcode': 'NXDOMAIN', 'answers': [], 't': 0.01, 'id': 7}], 't0': 0, 't': 0.01} for t in ('A', 'AAAA')]
golden('dns-nxdomain-control-unreachable', "The ISP's resolver says NXDOMAIN for web.whatsapp.com (removed from the national DNS, Feb 2026); the trusted resolver is unreachable from here (blocked, as Venezuela blocked 8.8.8.8 and 1.1.1.1 in 2025) and no control vantage is online: anomaly, never blocked or down.",
       measurement('whatsapp', 'isp', WA, queries=nx, failure='dns_nxdomain_error', operation='resolve', timings={'dns': 0.01, 'total': 0.01}), ('anomaly', 'dns.nxdomain'),
       control_queries_=[silent_q('web.whatsapp.com', 'A'), silent_q('web.whatsapp.com', 'AAAA')], missing=['control vantage abroad: offline'])
