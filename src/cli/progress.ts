/**
 * Pull progress on the command line: on a terminal, one bar per layer with bytes and speed,
 * redrawn in place; otherwise plain lines, one per event, that read well in a log.
 */
import type { Writable } from 'node:stream';
import type { Descriptor, Manifest } from '../runtime/image/oci.js';
import type { PullProgress } from '../runtime/image/pull.js';
import type { PushProgress } from '../runtime/image/push.js';
import type { LayerRecord } from '../runtime/image/records.js';
import type { ImageReference } from '../runtime/image/reference.js';
import type { SkippedEntry } from '../runtime/image/unpack.js';
import { shortId } from '../runtime/image/digest.js';

/** Bytes as docker prints them: SI units, three significant digits. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toPrecision(3).replace(/\.0+$|(\.\d*?)0+$/, '$1')}${units[unit]}`;
}

interface LayerState {
  digest: string;
  size: number;
  done: number;
  started: number;
  status: 'waiting' | 'downloading' | 'downloaded' | 'exists' | 'unpacking' | 'unpacked';
  elapsedMs?: number;
}

export interface StreamLike extends Writable {
  isTTY?: boolean;
  columns?: number;
}

export class PullReporter implements PullProgress {
  private readonly layers = new Map<string, LayerState>();
  private drawnLines = 0;
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly out: StreamLike,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = out.isTTY === true;
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }

  resolved(ref: ImageReference, manifest: Manifest, target: Descriptor): void {
    for (const layer of manifest.layers) this.layers.set(layer.digest, { digest: layer.digest, size: layer.size, done: 0, started: 0, status: 'waiting' });
    const total = manifest.layers.reduce((sum, l) => sum + l.size, 0);
    this.line(`${ref.canonical}: resolved to ${target.digest} (${manifest.layers.length} layer${manifest.layers.length === 1 ? '' : 's'}, ${formatBytes(total)})`);
    this.draw(true);
  }

  layerStart(layer: Descriptor): void {
    const state = this.state(layer.digest, layer.size);
    state.status = 'downloading';
    state.started = this.now();
    if (!this.tty) this.line(`layer ${shortId(layer.digest)}: downloading ${formatBytes(layer.size)}`);
    this.draw(true);
  }

  layerBytes(layer: Descriptor, bytes: number): void {
    this.state(layer.digest, layer.size).done += bytes;
    this.draw(false);
  }

  layerDone(layer: Descriptor, state: 'downloaded' | 'exists'): void {
    const s = this.state(layer.digest, layer.size);
    s.status = state;
    s.elapsedMs = this.now() - s.started;
    if (state === 'exists') s.done = s.size;
    if (!this.tty) {
      this.line(state === 'exists' ? `layer ${shortId(layer.digest)}: already exists` : `layer ${shortId(layer.digest)}: downloaded ${formatBytes(s.done)} in ${(s.elapsedMs / 1000).toFixed(1)}s (${speed(s.done, s.elapsedMs)})`);
    }
    this.draw(true);
  }

  unpacking(layer: LayerRecord, index: number, count: number): void {
    this.state(layer.digest, layer.size).status = 'unpacking';
    if (!this.tty) this.line(`layer ${shortId(layer.digest)}: unpacking (${index + 1}/${count})`);
    this.draw(true);
  }

  unpacked(layer: LayerRecord, skipped: readonly SkippedEntry[]): void {
    this.state(layer.digest, layer.size).status = 'unpacked';
    this.draw(true);
    for (const s of skipped) this.line(`warning: layer ${shortId(layer.digest)}: skipped ${s.path}: ${s.reason}`);
  }

  retrying(what: string, error: unknown, delayMs: number): void {
    this.line(`retrying ${what} in ${(delayMs / 1000).toFixed(1)}s: ${(error as Error).message}`);
    this.draw(true);
  }

  /** Leaves the bars as they are, so the next output starts below them. */
  finish(): void {
    this.draw(true);
    this.drawnLines = 0;
  }

  private state(digest: string, size: number): LayerState {
    let state = this.layers.get(digest);
    if (!state) {
      state = { digest, size, done: 0, started: this.now(), status: 'waiting' };
      this.layers.set(digest, state);
    }
    return state;
  }

  private draw(force: boolean): void {
    if (!this.tty) return;
    const now = this.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(40, this.out.columns ?? 80);
    const lines = [...this.layers.values()].map((s) => renderBar(s, width, now));
    // Move up over the previous bars, then rewrite each line.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : '';
    this.out.write(`${up}${lines.map((l) => `\r\x1b[2K${l}\n`).join('')}`);
    this.drawnLines = lines.length;
  }
}

function speed(bytes: number, ms: number): string {
  return ms <= 0 ? '-' : `${formatBytes((bytes * 1000) / ms)}/s`;
}

function renderBar(s: LayerState, width: number, now: number): string {
  const id = shortId(s.digest);
  const labels: Record<LayerState['status'], string> = {
    waiting: 'Waiting',
    downloading: 'Downloading',
    downloaded: 'Download complete',
    exists: 'Already exists',
    unpacking: 'Unpacking',
    unpacked: 'Pull complete',
  };
  if (s.status !== 'downloading') return `${id}: ${labels[s.status]}`;
  const elapsed = now - s.started;
  const tail = ` ${formatBytes(s.done)}/${formatBytes(s.size)} ${speed(s.done, elapsed)}`;
  const barWidth = Math.max(10, Math.min(50, width - id.length - tail.length - 6));
  const filled = s.size > 0 ? Math.min(barWidth, Math.floor((s.done / s.size) * barWidth)) : 0;
  const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(barWidth - filled)}`;
  return `${id}: [${bar}]${tail}`;
}

type PushStatus = 'pushing' | 'pushed' | 'exists' | 'mounted';

/** Push progress: on a terminal one bar per blob, redrawn in place; otherwise one line per event. */
export class PushReporter implements PushProgress {
  private readonly blobs = new Map<string, { size: number; done: number; started: number; status: PushStatus }>();
  private drawnLines = 0;
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly out: StreamLike,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = out.isTTY === true;
  }

  blobStart(blob: Descriptor): void {
    this.blobs.set(blob.digest, { size: blob.size, done: 0, started: this.now(), status: 'pushing' });
    if (!this.tty) this.out.write(`blob ${shortId(blob.digest)}: pushing ${formatBytes(blob.size)}\n`);
    this.draw(true);
  }

  blobBytes(blob: Descriptor, bytes: number): void {
    const s = this.blobs.get(blob.digest);
    if (s) s.done += bytes;
    this.draw(false);
  }

  blobDone(blob: Descriptor, state: 'pushed' | 'exists' | 'mounted'): void {
    const s = this.blobs.get(blob.digest) ?? { size: blob.size, done: 0, started: this.now(), status: state };
    s.status = state;
    s.done = s.size;
    this.blobs.set(blob.digest, s);
    if (!this.tty) this.out.write(`blob ${shortId(blob.digest)}: ${state === 'exists' ? 'already exists' : state === 'mounted' ? 'mounted from another repository' : `pushed ${formatBytes(blob.size)} in ${((this.now() - s.started) / 1000).toFixed(1)}s`}\n`);
    this.draw(true);
  }

  retrying(what: string, error: unknown, delayMs: number): void {
    this.out.write(`retrying ${what} in ${(delayMs / 1000).toFixed(1)}s: ${(error as Error).message}\n`);
    this.drawnLines = 0;
  }

  finish(): void {
    this.draw(true);
    this.drawnLines = 0;
  }

  private draw(force: boolean): void {
    if (!this.tty) return;
    const now = this.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(40, this.out.columns ?? 80);
    const labels: Record<PushStatus, string> = { pushing: 'Pushing', pushed: 'Pushed', exists: 'Layer already exists', mounted: 'Mounted from another repository' };
    const lines = [...this.blobs.entries()].map(([digest, s]) => {
      const id = shortId(digest);
      if (s.status !== 'pushing') return `${id}: ${labels[s.status]}`;
      const tail = ` ${formatBytes(s.done)}/${formatBytes(s.size)} ${speed(s.done, now - s.started)}`;
      const barWidth = Math.max(10, Math.min(50, width - id.length - tail.length - 6));
      const filled = s.size > 0 ? Math.min(barWidth, Math.floor((s.done / s.size) * barWidth)) : 0;
      return `${id}: [${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(barWidth - filled)}]${tail}`;
    });
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : '';
    this.out.write(`${up}${lines.map((l) => `\r\x1b[2K${l}\n`).join('')}`);
    this.drawnLines = lines.length;
  }
}
