/**
 * The terminal sizes of an exec or attach session: the client's first size often arrives before
 * the container's side listens (an attach connects to its monitor first), and must not be lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTerminalSize, TerminalSizes, type TerminalSize } from '../../src/node/kubelet-api/exec-session.js';

test('a size sent before anyone listens reaches the listener that comes later, then every later size', () => {
  const sizes = new TerminalSizes();
  sizes.resized({ width: 80, height: 24 });
  sizes.resized({ width: 120, height: 40 });
  const heard: TerminalSize[] = [];
  sizes.listen((size) => heard.push(size));
  sizes.resized({ width: 100, height: 30 });
  assert.deepEqual(heard, [{ width: 120, height: 40 }, { width: 100, height: 30 }]);
});

test('a listener before any size hears nothing until one comes', () => {
  const sizes = new TerminalSizes();
  const heard: TerminalSize[] = [];
  sizes.listen((size) => heard.push(size));
  assert.deepEqual(heard, []);
  sizes.resized({ width: 1, height: 2 });
  assert.deepEqual(heard, [{ width: 1, height: 2 }]);
});

test('a resize message is {"Width":W,"Height":H}; anything else is ignored', () => {
  assert.deepEqual(parseTerminalSize('{"Width":120,"Height":40}'), { width: 120, height: 40 });
  assert.equal(parseTerminalSize('{"Width":"a"}'), undefined);
  assert.equal(parseTerminalSize('not json'), undefined);
});
