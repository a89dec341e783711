/**
 * The README and the pages of docs/ link to each other by relative paths: every such link leads
 * to a file or directory of the repository (and to a heading of it, for `page.md#heading`), and
 * every page of docs/ can be reached from the README.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const PAGES = ['README.md', ...markdownFiles('docs').sort()];

/** The text outside fenced blocks, inline code and HTML comments, where links are links. */
function prose(markdown: string): string {
  return markdown
    .replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/`[^`\n]*`/g, '');
}

/** The targets of a page's inline links and images. */
function linksIn(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const withoutFences = markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
  for (const match of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = (match[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const base = text.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

function read(page: string): string {
  return readFileSync(join(REPO, page), 'utf8');
}

/** The repository-relative file a link of `page` leads to, and its anchor. */
function target(page: string, link: string): { file: string; anchor: string | undefined } {
  const [path = '', anchor] = link.split('#', 2);
  return { file: path === '' ? page : relative(REPO, resolve(REPO, dirname(page), decodeURIComponent(path))), anchor };
}

const isExternal = (link: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(link);

describe('documentation links', () => {
  for (const page of PAGES) {
    test(`${page}: every relative link leads to a file of the repository and to a heading of it`, () => {
      const broken: string[] = [];
      for (const link of linksIn(read(page)).filter((l) => !isExternal(l))) {
        if (link.startsWith('/')) {
          broken.push(`${link}: an absolute path; link relative to ${page}`);
          continue;
        }
        const { file, anchor } = target(page, link);
        if (file.startsWith(`..${sep}`) || file === '..') broken.push(`${link}: outside the repository`);
        else if (!existsSync(join(REPO, file))) {
          broken.push(`${link}: ${file} does not exist`);
        } else if (anchor !== undefined && file.endsWith('.md') && statSync(join(REPO, file)).isFile() && !anchorsOf(read(file)).has(anchor)) {
          broken.push(`${link}: ${file} has no heading #${anchor}`);
        }
      }
      assert.deepEqual(broken, [], `${page} has broken links`);
    });
  }

  test('every page of docs/ is reachable from README.md', () => {
    const reached = new Set<string>(['README.md']);
    const queue = ['README.md'];
    for (let page = queue.shift(); page !== undefined; page = queue.shift()) {
      for (const link of linksIn(read(page)).filter((l) => !isExternal(l) && !l.startsWith('/'))) {
        const { file } = target(page, link);
        if (file.endsWith('.md') && !reached.has(file) && existsSync(join(REPO, file))) {
          reached.add(file);
          queue.push(file);
        }
      }
    }
    assert.deepEqual(PAGES.filter((p) => !reached.has(p)), [], 'pages no link from README.md leads to');
  });

  test('anchors are GitHub\'s', () => {
    assert.deepEqual([...anchorsOf('# `hostpod image ls`\n## 5. A systemd unit\n## Stopping, crashes and the data directory\n## Logs\n## Logs\n```\n# not a heading\n```\n')],
      ['hostpod-image-ls', '5-a-systemd-unit', 'stopping-crashes-and-the-data-directory', 'logs', 'logs-1']);
  });
});
