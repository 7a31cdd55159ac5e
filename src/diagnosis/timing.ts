/**
 * Handshake timing: the same address handshaken with the target's name and with an innocuous
 * one, a few times each, one connection at a time in random order (a fresh source port each),
 * from the vantage and, at the same time, from the control vantage. A censor that slows flows
 * by name (Türkiye 2025, Russia 2021–22) makes the named handshakes (or first bytes) several
 * times slower than the innocuous ones on the same address; a slow server slows both.
 */
import type { Socket } from 'node:net';
import type { ProbeContext } from '../engines/types.js';
import { httpStep } from '../engines/http-step.js';
import { connectStep, tlsStep } from '../engines/steps.js';
import type { FailureString } from '../model/index.js';
import { now, seconds } from '../net/clock.js';

/**
 * Follow-up samples of each name; the probe's own handshake is one more named sample. The
 * analysis asks that every named sample be slow (src/analysis/timing.ts): random loss slows a
 * handshake now and then (a lost SYN costs a second), a throttle slows each one.
 */
export const NAMED_SAMPLES = 2;
export const INNOCUOUS_SAMPLES = 3;

/** One handshake (and, for an https target, one GET's first byte) with one name. */
export interface TimingSample {
  sni: string;
  /** Seconds of the TLS handshake, or until it failed. */
  handshake: number;
  /** Seconds from the request to the response head, when asked and reached. */
  ttfb?: number;
  failure: FailureString | null;
}

export interface TimingSamples {
  named: TimingSample[];
  innocuous: TimingSample[];
}

export interface TimingRequest {
  ip: string;
  port: number;
  sni: string;
  innocuous: string;
  /** Also time a GET / (https targets): the first byte is what some throttles delay. */
  ttfb: boolean;
}

/** Fisher–Yates over a copy: the order the samples go out in. */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function sample(r: TimingRequest, sni: string, ctx: ProbeContext): Promise<TimingSample> {
  const origin = now();
  const { socket, record: tcp, lost } = await connectStep(r.ip, r.port, ctx, origin);
  if (lost || !socket) return { sni, handshake: seconds(origin, now()), failure: lost ?? tcp.status.failure };
  const { tlsSocket, record } = await tlsStep(socket, r.ip, r.port, sni, ['http/1.1'], undefined, ctx, origin);
  const out: TimingSample = { sni, handshake: Math.max(0, record.t - record.t0), failure: tlsSocket ? null : record.failure };
  if (!tlsSocket) return out;
  if (!r.ttfb) {
    tlsSocket.destroy();
    return out;
  }
  // The page's first bytes only: nothing of the body is wanted.
  const res = await httpStep(tlsSocket as unknown as Socket, new URL(`https://${sni}/`), ctx, origin, { bodyBytes: 1024, stallMs: ctx.limits.stallMs });
  tlsSocket.destroy();
  if (res.ttfb !== undefined) out.ttfb = res.ttfb;
  return out;
}

/** The samples from one vantage, one at a time: parallel handshakes would share (and taint) one path. */
export async function sampleTimings(r: TimingRequest, ctx: ProbeContext): Promise<TimingSamples> {
  const order = shuffled([...Array<string>(NAMED_SAMPLES).fill(r.sni), ...Array<string>(INNOCUOUS_SAMPLES).fill(r.innocuous)]);
  const out: TimingSamples = { named: [], innocuous: [] };
  for (const sni of order) {
    if (ctx.signal.aborted) break;
    const s = await sample(r, sni, ctx);
    (sni === r.sni ? out.named : out.innocuous).push(s);
  }
  return out;
}
