#!/usr/bin/env node
// The hostpod command. `npm ci` (the prepare script) bundles the TypeScript sources into
// dist/cli/main.cjs and records V8's code cache for it, which this file loads the bundle with, so
// that most of the code a command runs starts compiled. This file is CommonJS (bin/package.json
// says so): an ES module entry point would cost every start Node's ES module loader.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const BUNDLE = path.join(__dirname, '..', 'dist', 'cli', 'main.cjs');

/** @param {string} file */
function readCache(file) {
  try {
    return fs.readFileSync(`${file}.cache`);
  } catch {
    return undefined;
  }
}

/**
 * Runs the bundle as Node runs a CommonJS module, from its code cache when V8 accepts it (the same
 * V8 version and flags that made it); otherwise V8 compiles the source as usual.
 * @param {string} file
 * @param {Buffer | undefined} cachedData
 * @returns {{ exports: { main: (argv: string[]) => Promise<number> }, script: import('node:vm').Script }}
 */
function loadBundle(file = BUNDLE, cachedData = readCache(file)) {
  const vm = require('node:vm');
  // esbuild writes the bundle in ASCII (charset: 'ascii'), which latin1 reads fastest.
  const source = fs.readFileSync(file, 'latin1');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- the wrapper function the source above declares
  const wrapper = /** @type {(...args: unknown[]) => void} */ (script.runInThisContext());
  wrapper(module.exports, require('node:module').createRequire(file), module, file, path.dirname(file));
  return { exports: /** @type {{ main: (argv: string[]) => Promise<number> }} */ (module.exports), script };
}

function run() {
  const argv = process.argv.slice(2);
  // --version loads nothing but package.json: it answers in Node's own start-up time. It writes
  // to the file descriptor, as process.stdout on a pipe would first load Node's network streams.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    const manifest = fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8');
    const line = `${/"version":\s*"([^"]+)"/.exec(manifest)?.[1] ?? 'unknown'}\n`;
    try {
      fs.writeSync(1, line);
    } catch (error) {
      // EPIPE: the reader is gone. EAGAIN (a non-blocking pipe): the stream waits for it.
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EPIPE') process.stdout.write(line);
    }
    return;
  }
  // `hostpod lint ... | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (/** @type {NodeJS.ErrnoException} */ error) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  if (!fs.existsSync(BUNDLE)) {
    // In the shape and with the exit code of src/cli/report-errors.ts: a failure a user can fix.
    process.stderr.write(`error: hostpod is not built: ${BUNDLE} is missing\n  hint: run npm run build in ${path.dirname(__dirname)}\n`);
    process.exitCode = 1;
    return;
  }
  void loadBundle().exports.main(argv).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) run();
module.exports = { loadBundle };
