/**
 * Layer decompression: gzip with Node's zlib; zstd with Debian's `zstd` program, because Node 20
 * has no zstd decoder (zlib gained one in Node 22.15) and the pure-JavaScript decoders are several
 * times slower than the C one.
 */
import { spawn } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { HostpodError } from '../../errors.js';
import type { Compression } from './oci.js';

export function decompressor(compression: Compression, what: string): Duplex {
  switch (compression) {
    case 'none':
      return new PassThrough({ highWaterMark: 1 << 20 });
    case 'gzip':
      return createGunzip({ chunkSize: 1 << 17 });
    case 'zstd':
      return zstdDecoder(what);
  }
}

function zstdDecoder(what: string): Duplex {
  const child = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  // zstd's output goes through a stream of ours, which ends only once zstd exited cleanly, so a
  // corrupt frame is an error rather than a silently short layer.
  const output = new PassThrough({ highWaterMark: 1 << 20 });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.pipe(output, { end: false });
  child.stdin.on('error', () => undefined);
  child.on('error', (error: NodeJS.ErrnoException) => {
    output.destroy(
      error.code === 'ENOENT'
        ? new HostpodError('ERR_HOSTPOD_ZSTD_MISSING', `${what} is zstd-compressed and the zstd program is not installed`, { hint: 'install it: apt-get install zstd' })
        : error,
    );
  });
  child.on('close', (code) => {
    if (code === 0) output.end();
    else output.destroy(new HostpodError('ERR_HOSTPOD_LAYER_CORRUPT', `${what}: zstd could not decompress it: ${stderr.trim() || `exit code ${String(code)}`}`));
  });
  const duplex = Duplex.from({ writable: child.stdin, readable: output });
  duplex.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return duplex;
}
