/**
 * Reading a proxy's handshake off a socket that is then handed on: with 'readable'/read()
 * rather than 'data', so the socket is left neither flowing nor paused (whoever takes it
 * next — TLS, undici — starts as if it were fresh), and bytes past what was wanted go back
 * onto it. Bound to the probe's signal.
 */
import type { Socket } from 'node:net';
import { whenAborted } from './abort.js';

/**
 * What `take` makes of the bytes so far: `null` for "more, please", a value and how many
 * bytes it used, or an Error to stop with (a head over its cap, say).
 */
export type Take<T> = (buf: Buffer) => { value: T; used: number } | null | Error;

/** Reads until `take` has what it wants; an end of stream before that rejects with `eof()`. */
export function readUntil<T>(sock: Socket, signal: AbortSignal, take: Take<T>, eof: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let settled = false;
    let detach = (): void => {};
    const done = (err: unknown, out?: { value: T }): void => {
      if (settled) return;
      settled = true;
      detach();
      sock.off('readable', onReadable);
      sock.off('end', onEnd);
      sock.off('error', onError);
      if (out) resolve(out.value);
      else reject(err);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!settled && (chunk = sock.read() as Buffer | null) !== null) {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        const got = take(buf);
        if (got instanceof Error) return done(got);
        if (got) {
          if (buf.length > got.used) sock.unshift(buf.subarray(got.used));
          return done(null, got);
        }
      }
      if (!settled && sock.readableEnded) onEnd();
    };
    const onEnd = (): void => done(eof());
    const onError = (err: Error): void => done(err);
    sock.on('readable', onReadable);
    sock.on('end', onEnd);
    sock.on('error', onError);
    detach = whenAborted(signal, (reason) => done(reason));
    onReadable();
  });
}
