/**
 * The evidence log: one JSON line per measurement and its verdict, appended to
 * `dir/blockwatch-YYYY-MM-DD[.N].jsonl` (UTC day), rotated by size (maxBytes/8
 * per file) and by day, the total capped at maxBytes by deleting the oldest.
 *
 * API:
 *   const ev = new EvidenceWriter({ dir, maxBytes, logger, now?, onWriteError? });
 *   ev.write({ round, measurement, verdict })   // returns at once; the line is queued
 *   await ev.flush()                              // every queued line is on disk (or, on a failing disk, given up for now)
 *   await ev.close()                              // flush, sync, close (SIGTERM)
 *
 * Lines are never torn: each is serialised whole before it is queued (JSON
 * escapes every newline), and whole lines go out in one write at a time to an
 * O_APPEND descriptor, from a single writer loop.
 *
 * A disk that fails (a folder it may not write, a full disk) costs little and is never
 * silent: the lines of a failed attempt are lost and counted, the failure is logged (the
 * first at once, then at most once a minute with what was lost meanwhile) and counted
 * (`onWriteError`, blockwatch_evidence_write_errors_total), and the next attempt waits,
 * 1 s doubling to a minute while lines queue (up to the queue's cap): no retry loop.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Measurement, TargetVerdict } from '../model/index.js';
import { dayOf, fileName, listFiles, prune } from './files.js';
import { makeDir } from './folder.js';

export { dayOf, fileName, listFiles } from './files.js';

export const EVIDENCE_SCHEMA = 'blockwatch.evidence/v1';

export type EvidenceRecord =
  | {
      /** Id of the round the measurement belongs to. */
      round: string;
      measurement: Measurement;
      verdict: TargetVerdict;
      /** Default: the measurement's own vantage, app and target id. */
      vantage?: string;
      app?: string;
      target?: string;
    }
  | {
      /** A target probed several times in the round: its verdict over every trial (trials, intermittent), after each trial's own line. */
      round: string;
      measurement: null;
      verdict: TargetVerdict;
      vantage: string;
      app: string;
      target: string;
    };

/** One line of the log. The measurement keeps OONI's data-format keys (queries, tcp_connect, tls_handshakes, requests). */
export interface EvidenceLine {
  schema: typeof EVIDENCE_SCHEMA;
  vantage: string;
  app: string;
  target: string;
  round: string;
  /** Null on the line that gives a target's verdict over the round's trials (after one line per trial). */
  measurement: Measurement | null;
  verdict: TargetVerdict;
}

export interface EvidenceOptions {
  dir: string;
  maxBytes: number;
  /** Default: a silent logger. */
  logger?: Logger;
  now?: () => Date;
  /** Size at which a file is rotated; default maxBytes/8. */
  fileBytes?: number;
  /** Queued bytes at most; beyond, new lines are dropped and counted. */
  maxQueueBytes?: number;
  /** Called once per failed attempt to open or write a file (the daemon counts them). */
  onWriteError?: () => void;
  /** Back-off after a failed attempt: first and longest wait; default 1 s and 60 s. */
  retry?: { firstMs: number; maxMs: number };
}

/** A failure is logged at once, then at most once in this long, with what was lost since. */
const LOG_EVERY_MS = 60_000;

/** Lines written together in one write, at most (bounded so a rotation is never far off). */
const BATCH_BYTES = 256 * 1024;

interface Pending {
  day: string;
  text: string;
  bytes: number;
}

export class EvidenceWriter {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly fileBytes: number;
  private readonly maxQueueBytes: number;
  private readonly now: () => Date;
  private readonly logger: Logger;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private pumping: Promise<void> | null = null;
  private closed = false;
  private file: { fh: FileHandle; name: string; day: string; index: number; size: number } | null = null;
  private readonly onWriteError: () => void;
  private readonly retry: { firstMs: number; maxMs: number };
  /** Failed attempts in a row, the time the next may start, and the timer that starts it. */
  private failures = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastLogAt = -Infinity;
  private unlogged = { errors: 0, lines: 0 };
  /** Lines lost: queue full or a failed write. */
  dropped = 0;
  written = 0;
  /** Failed attempts to open or write a file. */
  errors = 0;

  constructor(o: EvidenceOptions) {
    this.dir = o.dir;
    this.maxBytes = o.maxBytes;
    this.fileBytes = Math.max(1, o.fileBytes ?? Math.floor(o.maxBytes / 8));
    this.maxQueueBytes = o.maxQueueBytes ?? 32 * 1024 * 1024;
    this.now = o.now ?? (() => new Date());
    this.logger = o.logger ?? pino({ enabled: false });
    this.onWriteError = o.onWriteError ?? (() => undefined);
    this.retry = o.retry ?? { firstMs: 1000, maxMs: 60_000 };
  }

  write(r: EvidenceRecord): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    const line: EvidenceLine = {
      schema: EVIDENCE_SCHEMA,
      vantage: r.vantage ?? r.measurement!.vantage,
      app: r.app ?? r.measurement!.app,
      target: r.target ?? r.measurement!.target.id,
      round: r.round,
      measurement: r.measurement,
      verdict: r.verdict,
    };
    const text = `${JSON.stringify(line)}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.queuedBytes + bytes > this.maxQueueBytes) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.logger.warn({ dropped: this.dropped }, 'evidence queue full: line dropped');
      return;
    }
    this.queue.push({ day: dayOf(this.now()), text, bytes });
    this.queuedBytes += bytes;
    this.kick();
  }

  /** Starts the writer loop, unless it runs or waits for its next attempt. */
  private kick(): void {
    if (this.pumping || this.retryTimer) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  /** Resolves when every line queued so far is written. */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) {
      // The disk failed a moment ago: what waits for the next attempt is lost, and said so.
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.giveUp();
    }
    await this.flush();
    const f = this.file;
    this.file = null;
    if (f) {
      await f.fh.datasync().catch(() => undefined);
      await f.fh.close().catch(() => undefined);
    }
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const wait = this.retryAt - Date.now();
      if (wait > 0) {
        if (this.closed) this.giveUp();
        else this.retryTimer = setTimeout(() => ((this.retryTimer = null), this.kick()), wait).unref();
        return;
      }
      const day = this.queue[0].day;
      const first = this.queue[0].bytes;
      try {
        await this.fileFor(day, first);
      } catch (err) {
        // No file to write to: what is queued is lost (and counted) rather than retried at once.
        this.queuedBytes = 0;
        this.fail(err, this.queue.splice(0));
        continue;
      }
      const f = this.file!;
      // Whole lines only, from one day, not past the file's size unless the file is empty.
      let n = 0;
      let bytes = 0;
      while (n < this.queue.length) {
        const p = this.queue[n];
        if (p.day !== day) break;
        if (n > 0 && (bytes + p.bytes > BATCH_BYTES || f.size + bytes + p.bytes > this.fileBytes)) break;
        bytes += p.bytes;
        n++;
      }
      const batch = this.queue.splice(0, n);
      this.queuedBytes -= bytes;
      try {
        await writeAll(f.fh, Buffer.from(batch.map((p) => p.text).join('')));
        f.size += bytes;
        this.written += batch.length;
        this.failures = 0;
      } catch (err) {
        // The next attempt opens the file afresh.
        this.file = null;
        await f.fh.close().catch(() => undefined);
        this.fail(err, batch);
      }
    }
  }

  private fail(err: unknown, lost: Pending[]): void {
    this.dropped += lost.length;
    this.errors++;
    this.onWriteError();
    this.failures++;
    const retryInMs = Math.min(this.retry.maxMs, this.retry.firstMs * 2 ** (this.failures - 1));
    this.retryAt = Date.now() + retryInMs;
    this.unlogged.errors++;
    this.unlogged.lines += lost.length;
    if (Date.now() - this.lastLogAt < LOG_EVERY_MS) return;
    this.lastLogAt = Date.now();
    const { errors, lines } = this.unlogged;
    this.unlogged = { errors: 0, lines: 0 };
    const code = (err as NodeJS.ErrnoException).code;
    this.logger.error({ err, code, dir: this.dir, errors, lines, retryInMs }, 'evidence write failed: lines lost; the next attempt waits');
  }

  /** Drops what is queued (at shutdown, while the disk is failing), counted and said. */
  private giveUp(): void {
    const lost = this.queue.splice(0);
    this.queuedBytes = 0;
    if (lost.length === 0) return;
    this.dropped += lost.length;
    this.logger.error({ dir: this.dir, lines: lost.length }, 'evidence lines lost at shutdown: the evidence folder could not be written');
  }

  /** Makes the current file one that takes a line of `bytes` from `day`, rotating and pruning as needed. */
  private async fileFor(day: string, bytes: number): Promise<void> {
    const f = this.file;
    if (f && f.day === day && (f.size === 0 || f.size + bytes <= this.fileBytes)) return;
    let index = 0;
    let size = 0;
    if (f && f.day === day) {
      index = f.index + 1;
    } else {
      // Continue today's last file after a restart, if it has room.
      await makeDir(this.dir);
      const today = (await listFiles(this.dir)).filter((x) => x.day === day);
      const last = today[today.length - 1];
      if (last) {
        index = last.size === 0 || last.size + bytes <= this.fileBytes ? last.index : last.index + 1;
        size = index === last.index ? last.size : 0;
      }
    }
    if (f) {
      this.file = null;
      await f.fh.close().catch(() => undefined);
    }
    const name = fileName(day, index);
    const fh = await open(join(this.dir, name), 'a', 0o640);
    this.file = { fh, name, day, index, size };
    const deleted = await prune(this.dir, name, this.maxBytes, this.fileBytes);
    if (deleted.length) this.logger.info({ deleted }, 'evidence cap reached: deleted the oldest files');
  }
}

/** A regular file may take fewer bytes than asked; the rest follows at once, from the same single writer. */
async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    if (bytesWritten <= 0) throw new Error('evidence write made no progress');
    off += bytesWritten;
  }
}
