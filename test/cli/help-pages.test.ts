/**
 * `hostpod <command> --help` says the same as its page: each page of docs/commands holds its
 * command's --help output, and each subcommand's, verbatim, and `npm run docs:help` rewrites them.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { allCommands, blocksIn, commandName, firstDifference, FIX, helpOf, helpProblems, pageOf, subcommandsIn, writeHelpPages } from '../../scripts/help-pages.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const commands = await allCommands(main);

describe('command pages', () => {
  for (const { command, help } of commands) {
    const name = commandName(command);
    const page = pageOf(command);
    test(`${name} --help is the block of ${page}`, () => {
      const blocks = blocksIn(readFileSync(join(REPO, page), 'utf8'), page);
      const block = blocks.find((b) => b.command === name);
      assert.ok(block, `${page} has no \`${name} --help\` block; ${FIX}`);
      assert.equal(block.text, help, `${page}: the block of \`${name} --help\` differs from what \`${name} --help\` prints (${firstDifference(block.text, help)}); ${FIX}`);
    });
  }

  test('every help block on a command page is one of a hostpod command, up to date', async () => {
    assert.deepEqual((await helpProblems(main, REPO)).map((p) => p.problem), [], FIX);
  });

  test('the commands are read from the help, subcommands and aliases included', () => {
    const names = commands.map(({ command }) => commandName(command));
    for (const expected of ['hostpod', 'hostpod lint', 'hostpod image', 'hostpod image pull', 'hostpod image ls', 'hostpod image rm', 'hostpod up', 'hostpod kubeconfig', 'hostpod agent', 'hostpod rm']) {
      assert.ok(names.includes(expected), `${expected} is listed: ${names.join(', ')}`);
    }
    assert.ok(!names.some((n) => n.endsWith(' help') || n.includes('|')), 'neither help nor aliases are commands');
    assert.deepEqual(subcommandsIn('Usage: x\n\nCommands:\n  ls|list [options]   list\n  pull <r>            pull an image from\n                      a registry\n  help [command]      help\n'), ['ls', 'pull']);
  });

  test('the help does not depend on the terminal or the user', async () => {
    const plain = { agent: await helpOf(main, ['agent']), pull: await helpOf(main, ['image', 'pull']) };
    assert.match(plain.pull, /~\/\.docker\/config\.json/, "the credentials default is named, not resolved for this user");
    // A wide terminal, another home and DOCKER_CONFIG: the blocks stay the same.
    const own = (key: string): PropertyDescriptor | undefined => Object.getOwnPropertyDescriptor(process.stdout, key);
    const saved = { isTTY: own('isTTY'), columns: own('columns'), home: process.env['HOME'], dockerConfig: process.env['DOCKER_CONFIG'] };
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true, writable: true });
    Object.defineProperty(process.stdout, 'columns', { value: 200, configurable: true, writable: true });
    process.env['HOME'] = '/home/someone';
    process.env['DOCKER_CONFIG'] = '/etc/docker-config';
    try {
      assert.deepEqual({ agent: await helpOf(main, ['agent']), pull: await helpOf(main, ['image', 'pull']) }, plain);
    } finally {
      for (const key of ['isTTY', 'columns'] as const) {
        const descriptor = saved[key];
        if (descriptor) Object.defineProperty(process.stdout, key, descriptor);
        else delete (process.stdout as unknown as Record<string, unknown>)[key];
      }
      if (saved.home === undefined) delete process.env['HOME'];
      else process.env['HOME'] = saved.home;
      if (saved.dockerConfig === undefined) delete process.env['DOCKER_CONFIG'];
      else process.env['DOCKER_CONFIG'] = saved.dockerConfig;
    }
  });
});

describe('npm run docs:help', () => {
  test('a stale, a missing and an unknown block are named, then rewritten', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hostpod-help-pages-'));
    try {
      cpSync(join(REPO, 'docs', 'commands'), join(root, 'docs', 'commands'), { recursive: true });
      const image = join(root, 'docs', 'commands', 'image.md');
      const original = readFileSync(image, 'utf8');
      const stale = original.replace('pull an image from a registry (OCI distribution API) into the store', 'pull an image');
      writeFileSync(image, `${stale}\n<!-- hostpod image tag --help -->\n\`\`\`\nUsage: hostpod image tag\n\`\`\`\n`);
      rmSync(join(root, 'docs', 'commands', 'stop.md'));

      const problems = (await helpProblems(main, root)).map((p) => p.problem);
      assert.ok(problems.some((p) => p.startsWith('docs/commands/image.md: the block of `hostpod image pull --help` differs')), problems.join('\n'));
      assert.ok(problems.includes('docs/commands/image.md has a block for `hostpod image tag --help`, which is no hostpod command'), problems.join('\n'));
      assert.ok(problems.includes('docs/commands/stop.md has no `hostpod stop --help` block'), problems.join('\n'));

      const changed = await writeHelpPages(main, root);
      assert.deepEqual(changed.sort(), ['docs/commands/image.md', 'docs/commands/stop.md']);
      assert.equal(readFileSync(image, 'utf8').trimEnd(), original.trimEnd());
      assert.match(readFileSync(join(root, 'docs', 'commands', 'stop.md'), 'utf8'), /^# `hostpod stop`\n\n## Usage\n\n### `hostpod stop`\n\n<!-- hostpod stop --help -->\n```\nUsage: hostpod stop /);
      assert.deepEqual(await helpProblems(main, root), []);
      assert.deepEqual(await writeHelpPages(main, root), [], 'a second run changes nothing');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
