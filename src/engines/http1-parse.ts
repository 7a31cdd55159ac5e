/**
 * An HTTP/1.1 response parser for one exchange with an untrusted server (RFC 9112): pushed bytes
 * in, a head (status, headers) and body bytes out, with a cap on the head and on every line.
 * Strict where a lenient parser would let a hostile peer smuggle framing: CRLF line ends, tokens
 * for header names, no obsolete line folding, Content-Length and Transfer-Encoding not together.
 * Content codings are never undone: the body is kept as it came.
 */
import { NetError } from '../net/errors.js';

/** The response head, status line included, may not exceed this (undici's and Node's default, 16 KiB). */
export const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line (with extensions) or a trailer section may not exceed this. */
export const MAX_CHUNK_LINE_BYTES = 1024;

export interface ParsedHead {
  code: number;
  /** Names lower-cased; repeated fields joined with ", " (RFC 9110 §5.3). */
  headers: Record<string, string>;
}

export interface ParserEvents {
  /** A final (non-1xx) response head. */
  head(h: ParsedHead): void;
  /** Body bytes as they came; `data` may be a view into the pushed chunk. */
  body(data: Buffer): void;
  /** The body ended where its framing says. */
  end(): void;
}

const malformed = (what: string): NetError => new NetError('http_request_failed', `malformed response: ${what}`, 'BW_HTTP_MALFORMED');

const headTooLarge = (): NetError => new NetError('http_request_failed', 'response head too large', 'BW_HTTP_HEAD_TOO_LARGE');

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Field values: visible characters, obs-text, spaces and tabs; no other control character. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^\d{1,15}$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,15})(?:[\t ]*;[\t\x20-\x7e\x80-\xff]*)?$/;

type State = 'head' | 'fixed' | 'close' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'done';

export function parseHead(text: string): ParsedHead & { informational: boolean } {
  const lines = text.split('\r\n');
  const m = STATUS_LINE.exec(lines[0]);
  if (!m) throw malformed('status line');
  const code = Number(m[1]);
  if (code < 100) throw malformed('status code');
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const c = line.indexOf(':');
    if (c <= 0) throw malformed('header line');
    const name = line.slice(0, c);
    if (!TOKEN.test(name)) throw malformed('header name');
    const value = line.slice(c + 1).replace(/^[\t ]+|[\t ]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw malformed('header value');
    const k = name.toLowerCase();
    const had = headers[k];
    headers[k] = had === undefined ? value : `${had}, ${value}`;
  }
  return { code, headers, informational: code < 200 };
}

/**
 * Feeds one response through its framing. Throws a NetError (http_request_failed) from push() on
 * a head that is too large or malformed, or on broken chunked coding. Bytes after the response
 * are ignored: the request asked for `Connection: close`.
 */
export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer | null = null;
  private left = 0;
  private headBytes = 0;
  private trailerBytes = 0;

  constructor(private readonly on: ParserEvents) {}

  get done(): boolean {
    return this.state === 'done';
  }

  /** Whether the head is in. */
  get headDone(): boolean {
    return this.state !== 'head';
  }

  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let at = 0;
    while (at < buf.length && this.state !== 'done') {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf('\r\n\r\n', at, 'latin1');
          if (end < 0) {
            if (buf.length - at > MAX_HEAD_BYTES) throw headTooLarge();
            this.pending = buf.subarray(at);
            return;
          }
          // Informational heads count towards the cap too: a server cannot send them forever.
          this.headBytes += end + 4 - at;
          if (end - at > MAX_HEAD_BYTES || this.headBytes > 4 * MAX_HEAD_BYTES) throw headTooLarge();
          const h = parseHead(buf.toString('latin1', at, end));
          at = end + 4;
          if (h.informational) {
            // 101 answers a request that asked for no upgrade: the server broke the protocol.
            if (h.code === 101) throw malformed('101 Switching Protocols to a request that asked for no upgrade');
            // 100 Continue, 103 Early Hints…: a final response follows (RFC 9110 §15.2).
            continue;
          }
          this.begin(h);
          break;
        }
        case 'fixed': {
          const n = Math.min(this.left, buf.length - at);
          this.left -= n;
          this.on.body(buf.subarray(at, at + n));
          at += n;
          if (this.left === 0) this.finish();
          break;
        }
        case 'close':
          this.on.body(at === 0 ? buf : buf.subarray(at));
          return;
        case 'chunk-size': {
          const eol = buf.indexOf('\r\n', at, 'latin1');
          if (eol < 0) {
            if (buf.length - at > MAX_CHUNK_LINE_BYTES) throw malformed('chunk size line');
            this.pending = buf.subarray(at);
            return;
          }
          if (eol - at > MAX_CHUNK_LINE_BYTES) throw malformed('chunk size line');
          const m = CHUNK_SIZE.exec(buf.toString('latin1', at, eol));
          if (!m) throw malformed('chunk size');
          at = eol + 2;
          this.left = parseInt(m[1], 16);
          this.state = this.left === 0 ? 'trailers' : 'chunk-data';
          this.trailerBytes = 0;
          break;
        }
        case 'chunk-data': {
          const n = Math.min(this.left, buf.length - at);
          this.left -= n;
          this.on.body(buf.subarray(at, at + n));
          at += n;
          if (this.left === 0) this.state = 'chunk-crlf';
          break;
        }
        case 'chunk-crlf': {
          if (buf.length - at < 2) {
            this.pending = buf.subarray(at);
            return;
          }
          if (buf[at] !== 0x0d || buf[at + 1] !== 0x0a) throw malformed('chunk data not followed by CRLF');
          at += 2;
          this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          // Trailer fields are read past and dropped; the section ends with an empty line.
          const eol = buf.indexOf('\r\n', at, 'latin1');
          if (eol < 0) {
            if (this.trailerBytes + buf.length - at > MAX_HEAD_BYTES) throw malformed('trailer section too large');
            this.pending = buf.subarray(at);
            return;
          }
          this.trailerBytes += eol + 2 - at;
          if (this.trailerBytes > MAX_HEAD_BYTES) throw malformed('trailer section too large');
          const empty = eol === at;
          at = eol + 2;
          if (empty) this.finish();
          break;
        }
      }
    }
  }

  /**
   * The connection ended. Returns normally when that ends the response (a body delimited by the
   * close); throws eof_error when the head or a framed body was cut short.
   */
  close(): void {
    if (this.state === 'close') return this.finish();
    if (this.state === 'done') return;
    throw new NetError('eof_error', this.state === 'head' ? 'connection closed before the response head' : 'connection closed inside the body', 'BW_EOF');
  }

  private begin(h: ParsedHead & { informational: boolean }): void {
    const te = h.headers['transfer-encoding'];
    const cl = h.headers['content-length'];
    this.on.head({ code: h.code, headers: h.headers });
    if (h.code === 204 || h.code === 304) return this.finish();
    if (te !== undefined) {
      // Both framings at once is how requests are smuggled; a response that does it is refused (RFC 9112 §6.3).
      if (cl !== undefined) throw malformed('both Transfer-Encoding and Content-Length');
      const codings = te.split(',');
      const last = codings[codings.length - 1].trim().toLowerCase();
      this.state = last === 'chunked' ? 'chunk-size' : 'close';
      return;
    }
    if (cl !== undefined) {
      // Repeated equal values are one length; differing ones are no length at all.
      const values = cl.split(',').map((v) => v.trim());
      if (!values.every((v) => DIGITS.test(v) && v === values[0])) throw malformed('Content-Length');
      this.left = Number(values[0]);
      if (this.left === 0) return this.finish();
      this.state = 'fixed';
      return;
    }
    this.state = 'close';
  }

  private finish(): void {
    this.state = 'done';
    this.pending = null;
    this.on.end();
  }
}
