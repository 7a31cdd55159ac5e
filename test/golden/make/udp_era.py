#!/usr/bin/env python3
"""Writes the golden measurements for the UDP era (tls.freeze, udp.*, quic.*): recorded shapes, exact verdicts.
Run from the repository root: python3 test/golden/make/udp_era.py"""
import json, os

OUT = 'test/golden/analysis'
STARTED = '2026-09-01T10:00:00.000Z'

def query(host, qtype, answers, engine='udp', resolver='udp://192.0.2.53:53'):
    ans = [{'answer_type': qtype, 'value': a, 'ttl': 300} for a in answers]
    return {'hostname': host, 'query_type': qtype, 'engine': engine, 'resolver_address': resolver, 'answers': ans,
            'rcode': 'NOERROR', 'failure': None if answers else 'dns_no_answer',
            'replies': [{'rcode': 'NOERROR', 'answers': ans, 't': 0.011, 'id': 4242, 'from': '192.0.2.53:53'}], 't0': 0, 't': 0.012}

def control_queries(host, v4, v6=None):
    qs = [query(host, 'A', [v4], 'doh', 'https://dns.control.example/dns-query')]
    qs.append(query(host, 'AAAA', [v6] if v6 else [], 'doh', 'https://dns.control.example/dns-query'))
    return qs

def measurement(app, vantage, target, **over):
    m = {'app': app, 'vantage': vantage, 'target': target, 'startedAt': STARTED, 'queries': [], 'tcp_connect': [],
         'tls_handshakes': [], 'requests': [], 'failure': None, 'operation': None, 'timings': {'total': 0.3}}
    m.update(over)
    return m

def golden(name, description, m, expected, control=None, control_queries_=None, diagnosis=None, online=True):
    g = {'name': name, 'description': description,
         'input': {'vantageOnline': online, 'controlQueries': control_queries_, 'control': control, 'diagnosis': diagnosis or [], 'measurement': m},
         'expected': {'status': expected[0], 'pattern': expected[1]}}
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(g, f, indent=1, ensure_ascii=False)
        f.write('\n')

# ---- tls.freeze: an ordinary https target whose body read stalls after ~16 KB on the wire ----
HOST, IP = 'web.telegram.org', '149.154.167.99'
WEB = {'id': 'web', 'kind': 'https', 'url': f'https://{HOST}/k/'}

def https(vantage, body, wire, stalled):
    res = {'code': 200, 'headers': {'content-type': 'text/html'}, 'body_length': body, 'body_is_truncated': not stalled and body >= 64000,
           'body_sha256': 'ab' * 32, 'title': 'Telegram Web', 'body_sample': '<html><head><title>Telegram Web</title>', 'wire_bytes': wire}
    if stalled:
        res['stalled'] = True
    req = {'request': {'url': WEB['url'], 'method': 'GET', 'headers': {'user-agent': 'blockwatch/0.1 (+reachability monitor)', 'accept': '*/*'}},
           'response': res, 'failure': 'generic_timeout_error' if stalled else None, 't0': 0.09, 't': 5.2 if stalled else 0.4}
    return measurement('telegram', vantage, WEB,
        queries=[query(HOST, 'A', [IP]), query(HOST, 'AAAA', [])],
        tcp_connect=[{'ip': IP, 'port': 443, 'status': {'success': True, 'failure': None}, 't0': 0.012, 't': 0.04}],
        tls_handshakes=[{'address': f'{IP}:443', 'server_name': HOST, 'tls_version': 'TLSv1.3', 'cipher_suite': 'TLS_AES_128_GCM_SHA256',
                         'negotiated_protocol': 'http/1.1', 'peer_certificates': [{'subject': f'CN={HOST}', 'issuer': 'CN=Test CA', 'san': [HOST],
                         'notBefore': '2026-01-01T00:00:00.000Z', 'notAfter': '2027-01-01T00:00:00.000Z', 'sha256': 'cd' * 32}],
                         'validated': True, 'failure': None, 't0': 0.04, 't': 0.09}],
        requests=[req], failure='generic_timeout_error' if stalled else None, operation='read' if stalled else None,
        timings={'dns': 0.012, 'connect': 0.028, 'tls': 0.05, 'ttfb': 0.06, 'total': 5.2 if stalled else 0.4})

CQ = control_queries(HOST, IP)
golden('tls-freeze-blocked', 'The body read stalls after 17,800 bytes on the wire (TSPU freeze, net4people #490) while the control reads the page whole.',
       https('isp', 14200, 17800, True), ('blocked', 'tls.freeze'), control=https('abroad', 64000, 67900, False), control_queries_=CQ)
golden('tls-freeze-outage', 'The body read stalls in the freeze band from the control too: the server itself stops sending.',
       https('isp', 14200, 17800, True), ('down', None), control=https('abroad', 14200, 17800, True), control_queries_=CQ)
golden('tls-freeze-no-control', 'The body read stalls in the freeze band and no control vantage read it: suspected, not confirmed.',
       https('isp', 14200, 17800, True), ('anomaly', 'tls.freeze'), control_queries_=CQ)
golden('stall-outside-freeze-band', 'The body stalls after 3 KB on the wire, far below the freeze band, while the control reads it whole: a stall after the request, not a freeze.',
       https('isp', 1000, 3100, True), ('blocked', 'http.timeout'), control=https('abroad', 64000, 67900, False), control_queries_=CQ)

# ---- udp: STUN Binding to a call relay ----
RELAY, RIP = 'turn3.voip.signal.org', '13.248.212.111'
CALLS = {'id': 'calls-stun', 'kind': 'udp', 'host': RELAY, 'port': 3478, 'group': 'calls-relay'}

def stun(vantage, failure=None, kind='binding_success', replies=1, sent=None):
    rs = [{'t': 0.061, 'from': f'{RIP}:3478', 'bytes': 44, 'kind': kind}] * replies if failure is None else []
    x = {'address': f'{RIP}:3478', 'protocol': 'stun', 'sent': sent if sent is not None else (1 if failure is None else 7), 'replies': rs,
         'replies_dropped': 0, 'mapped_address': '198.51.100.7:40001' if failure is None and kind == 'binding_success' else None,
         'rtt': 0.048 if failure is None else None, 'failure': failure, 't0': 0.013, 't': 0.061 if failure is None else 9.5}
    total = 0.07 if failure is None else 9.5
    t = {'dns': 0.013, 'total': total}
    if failure is None:
        t['ttfb'] = 0.048
    return measurement('signal', vantage, CALLS, queries=[query(RELAY, 'A', [RIP]), query(RELAY, 'AAAA', [])], udp_exchanges=[x],
                       failure=failure, operation='read' if failure else None, timings=t)

CQS = control_queries(RELAY, RIP)
golden('udp-timeout-blocked', 'STUN Binding requests to the call relay get no answer (Russia, August 2025: calls restricted) while the control gets a Binding success.',
       stun('isp', 'generic_timeout_error'), ('blocked', 'udp.timeout'), control=stun('abroad'), control_queries_=CQS)
golden('udp-refused-blocked', 'The censor answers STUN with ICMP port unreachable while the control gets a Binding success.',
       stun('isp', 'connection_refused', sent=1), ('blocked', 'udp.refused'), control=stun('abroad'), control_queries_=CQS)
golden('udp-timeout-outage', 'The relay answers nobody: the control times out too.',
       stun('isp', 'generic_timeout_error'), ('down', None), control=stun('abroad', 'generic_timeout_error'), control_queries_=CQS)
golden('udp-error-response-ok', 'The relay answers the Binding with an error response: it is reachable, which is what a call needs first.',
       stun('isp', None, 'binding_error'), ('ok', None), control_queries_=CQS)
golden('udp-proxy-cannot-carry', 'The vantage leaves through an HTTP CONNECT proxy, which carries no UDP: the probe could not run, never a block.',
       measurement('signal', 'isp', CALLS, queries=[query(RELAY, 'A', [RIP]), query(RELAY, 'AAAA', [])],
                   udp_exchanges=[{'address': f'{RIP}:3478', 'protocol': 'stun', 'sent': 0, 'replies': [], 'replies_dropped': 0, 'mapped_address': None,
                                   'rtt': None, 'failure': 'unknown_failure: proxy_refused (udp: an HTTP CONNECT proxy carries TCP only)', 't0': 0.013, 't': 0.013}],
                   failure='unknown_failure: proxy_refused (udp: an HTTP CONNECT proxy carries TCP only)', operation='connect', timings={'dns': 0.013, 'total': 0.014}),
       ('unknown', None), control=stun('abroad'), control_queries_=CQS)

# ---- quic: a QUIC v1 Initial with the target's SNI ----
QHOST, QIP = 'www.facebook.com', '157.240.0.35'
QUIC = {'id': 'web-h3', 'kind': 'quic', 'host': QHOST, 'port': 443, 'sni': QHOST, 'group': 'quic'}

def quic(vantage, response=None, server_hello=False, failure=None, sni=QHOST, versions=None):
    h = {'address': f'{QIP}:443', 'server_name': sni, 'alpn': ['h3'], 'sent': 1 if response else 4, 'received': 2 if response else 0,
         'response': response, 'server_hello': server_hello, 'failure': failure, 't0': 0.013, 't': 0.055 if response else 4.9}
    if versions:
        h['versions'] = versions
    t = {'dns': 0.013, 'total': 0.06 if response else 4.9}
    if response:
        t['tls'] = 0.042
    return measurement('messenger', vantage, QUIC, queries=[query(QHOST, 'A', [QIP]), query(QHOST, 'AAAA', [])], quic_handshakes=[h],
                       failure=failure, operation='quic_handshake' if failure else None, timings=t)

CQQ = control_queries(QHOST, QIP)
def swap(outcome):
    return {'step': 'quic_sni_swap', 'input': f'{QIP}:443 sni=example.com', 'outcome': outcome, 'failure': None if outcome == 'success' else 'generic_timeout_error',
            'detail': {'ip': QIP, 'port': 443, 'sni': 'example.com', 'response': 'initial' if outcome == 'success' else None}}
golden('quic-timeout-blocked', 'QUIC Initials to the address draw no answer (Russia since March 2022, net4people #108), an innocuous SNI too, while the control gets a server Initial.',
       quic('isp', failure='generic_timeout_error'), ('blocked', 'quic.timeout'), control=quic('abroad', 'initial', True), control_queries_=CQQ, diagnosis=[swap('failure')])
golden('quic-sni-filter', 'An Initial naming the host draws no answer while one naming example.com to the same address is answered (TSPU QUIC SNI filtering, FOCI 2026).',
       quic('isp', failure='generic_timeout_error'), ('blocked', 'quic.sni_filter'), control_queries_=CQQ, diagnosis=[swap('success')])
golden('quic-version-negotiation-ok', 'The server answers with Version Negotiation: a valid long-header packet, so QUIC reaches it.',
       quic('isp', 'version_negotiation', versions=[1, 0x6b3343cf]), ('ok', None), control_queries_=CQQ)
golden('quic-timeout-outage', 'Nothing answers QUIC from the control either, and the SNI swap fails: the server does not speak QUIC now.',
       quic('isp', failure='generic_timeout_error'), ('down', None), control=quic('abroad', failure='generic_timeout_error'), control_queries_=CQQ, diagnosis=[swap('failure')])
