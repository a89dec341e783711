/**
 * How the container monitor is built (scripts/build-monitor.sh): statically against musl when
 * musl-gcc is installed, so that starting it asks no dynamic loader and no CPUID (a monitor per
 * container start). CI installs musl-tools; elsewhere a machine without it gets the slower build.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { monitorBinary } from '../../src/runtime/monitor/binary.js';
import { inCi } from '../support/runtime.js';

/** The program interpreter an ELF file names (PT_INTERP), or undefined for a static program. */
function interpreter(file: string): string | undefined {
  const elf = readFileSync(file);
  assert.equal(elf.toString('latin1', 0, 4), '\x7fELF', `${file} is not an ELF file`);
  assert.equal(elf[4], 2, `${file} is not a 64-bit ELF file`);
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (elf.readUInt32LE(at) !== 3) continue; // PT_INTERP
    const offset = Number(elf.readBigUInt64LE(at + 8));
    const size = Number(elf.readBigUInt64LE(at + 32));
    return elf.toString('latin1', offset, offset + size).replace(/\0+$/, '');
  }
  return undefined;
}

function hasMuslGcc(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v musl-gcc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = inCi() || hasMuslGcc() ? false : 'musl-gcc is not installed (apt-get install musl-tools): the monitor is linked dynamically here';

test('the monitor is linked statically, with no program interpreter for each container start to load', { skip }, () => {
  assert.ok(hasMuslGcc(), 'CI installs musl-tools (.ci/run), which the static monitor is built with');
  assert.equal(interpreter(monitorBinary()), undefined, 'the monitor names no dynamic loader');
});

test('the ELF reader finds the dynamic loader of a dynamically linked program', () => {
  // Node itself is dynamically linked on every Linux it is distributed for.
  assert.match(interpreter(process.execPath) ?? '', /ld-linux|ld-musl/);
});
