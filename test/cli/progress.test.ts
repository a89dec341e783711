import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { formatBytes, PullReporter, PushReporter } from '../../src/cli/progress.js';
import { MediaType, type Manifest } from '../../src/runtime/image/oci.js';
import { parseReference } from '../../src/runtime/image/reference.js';

class Capture extends Writable {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 100,
  ) {
    super();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const layer = (n: number, size: number) => ({ mediaType: MediaType.ociLayerGzip, digest: `sha256:${String(n).repeat(64)}`, size });
const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: layer(9, 10), layers: [layer(1, 2_000_000), layer(2, 500)] };
const ref = parseReference('example.com/app:v1');

function drive(out: Capture): void {
  let clock = 0;
  const reporter = new PullReporter(out, () => clock);
  reporter.resolved(ref, manifest, { mediaType: MediaType.ociManifest, digest: `sha256:${'f'.repeat(64)}`, size: 1 });
  reporter.layerStart(manifest.layers[0] as never);
  clock = 1000;
  reporter.layerBytes(manifest.layers[0] as never, 1_000_000);
  clock = 2000;
  reporter.layerBytes(manifest.layers[0] as never, 1_000_000);
  reporter.layerDone(manifest.layers[0] as never, 'downloaded');
  reporter.layerDone(manifest.layers[1] as never, 'exists');
  reporter.finish();
}

describe('pull progress', () => {
  test('bytes are printed as docker prints them', () => {
    assert.deepEqual([0, 999, 1000, 1500, 2_000_000, 123_456_789].map(formatBytes), ['0B', '999B', '1kB', '1.5kB', '2MB', '123MB']);
  });

  test('not a terminal: plain lines, one per event, with sizes and speed', () => {
    const out = new Capture(false);
    drive(out);
    assert.equal(
      out.text,
      [
        `example.com/app:v1: resolved to sha256:${'f'.repeat(64)} (2 layers, 2MB)`,
        'layer 111111111111: downloading 2MB',
        'layer 111111111111: downloaded 2MB in 2.0s (1MB/s)',
        'layer 222222222222: already exists',
        '',
      ].join('\n'),
    );
  });

  test('a terminal: one bar per layer with bytes and speed, redrawn in place', () => {
    const out = new Capture(true);
    drive(out);
    assert.match(out.text, /111111111111: \[=+> *\] 1MB\/2MB 1MB\/s/, 'a half-full bar after one second');
    assert.ok(out.text.includes('\u001b[2A'), 'moves up over the two bars to redraw them');
    const last = out.text.slice(out.text.lastIndexOf('\u001b[2A'));
    assert.match(last, /111111111111: Download complete\n/);
    assert.match(last, /222222222222: Already exists\n/);
  });
});

describe('push progress', () => {
  const drivePush = (out: Capture): void => {
    let clock = 0;
    const reporter = new PushReporter(out, () => clock);
    reporter.blobStart(manifest.layers[0] as never);
    clock = 500;
    reporter.blobBytes(manifest.layers[0] as never, 1_000_000);
    clock = 1000;
    reporter.blobBytes(manifest.layers[0] as never, 1_000_000);
    reporter.blobDone(manifest.layers[0] as never, 'pushed');
    reporter.blobDone(manifest.layers[1] as never, 'exists');
    reporter.blobDone(manifest.config, 'mounted');
    reporter.finish();
  };

  test('without a terminal: one plain line per event', () => {
    const out = new Capture(false);
    drivePush(out);
    assert.equal(
      out.text,
      ['blob 111111111111: pushing 2MB', 'blob 111111111111: pushed 2MB in 1.0s', 'blob 222222222222: already exists', 'blob 999999999999: mounted from another repository', ''].join('\n'),
    );
  });

  test('on a terminal: one bar per blob, redrawn in place, ending with each blob\'s state', () => {
    const out = new Capture(true);
    let clock = 0;
    const reporter = new PushReporter(out, () => clock);
    reporter.blobStart(manifest.layers[0] as never);
    clock = 1000;
    reporter.blobBytes(manifest.layers[0] as never, 1_000_000);
    assert.match(out.text, /111111111111: \[=+> +\] 1MB\/2MB 1MB\/s\n$/);
    reporter.blobDone(manifest.layers[0] as never, 'pushed');
    reporter.blobDone(manifest.layers[1] as never, 'exists');
    reporter.finish();
    assert.ok(out.text.endsWith(`\x1b[2A\r\x1b[2K111111111111: Pushed\n\r\x1b[2K222222222222: Layer already exists\n`), JSON.stringify(out.text));
  });
});
