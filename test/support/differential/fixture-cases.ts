/**
 * The cases that are not generated: every object of the example manifests (examples/), and
 * every upstream Pod Security conformance fixture (read from ../shared, never copied).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CASE_KINDS, type CaseKind, type DiffCase } from './cases.js';

export const EXAMPLES_DIR = join(import.meta.dirname, '../../../examples');
export const CONFORMANCE_DIR = process.env['HOSTPOD_CONFORMANCE_DIR'] ?? join(import.meta.dirname, '../../../../shared/conformance/pod-security');

type Obj = Record<string, unknown>;

function isCaseKind(kind: unknown): kind is CaseKind {
  return typeof kind === 'string' && Object.hasOwn(CASE_KINDS, kind);
}

/** The body of `object` without its namespace: the request path gives it. */
function withoutNamespace(object: Obj): Obj {
  const metadata = { ...(object['metadata'] as Obj | undefined) };
  delete metadata['namespace'];
  return { ...object, metadata };
}

/** Every object of a pod-creating kind in the example manifests. */
export function exampleCases(dir = EXAMPLES_DIR): DiffCase[] {
  const cases: DiffCase[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).forEach((doc, i) => {
      const object = doc.toJS() as Obj | null;
      if (!object || !isCaseKind(object['kind'])) return;
      cases.push({ id: `examples/${file}#${i}`, kind: object['kind'], body: JSON.stringify(withoutNamespace(object)) });
    });
  }
  return cases;
}

/**
 * Every conformance fixture, to be judged at its own level and version. Fixture names such as
 * `base_windows` are not valid object names, so each gets a valid one made from its file name:
 * Pod Security does not read the name, and validation should not fail on what the fixture does
 * not test. Fixtures of versions newer than `maxMinor` are left out and counted: an API server
 * judges a version newer than its own as its own latest, so it is no oracle for them (a 1.36
 * kube-apiserver does not know the sysctls v1.37 allows).
 */
export function conformanceCases(maxMinor: number, root = CONFORMANCE_DIR): { cases: DiffCase[]; newer: number } {
  if (!existsSync(root)) return { cases: [], newer: 0 };
  const cases: DiffCase[] = [];
  let newer = 0;
  for (const level of ['baseline', 'restricted'] as const) {
    for (const version of readdirSync(join(root, level)).sort()) {
      if (Number(version.replace(/^v1\./, '')) > maxMinor) {
        for (const outcome of ['pass', 'fail']) {
          const dir = join(root, level, version, outcome);
          if (existsSync(dir)) newer += readdirSync(dir).length;
        }
        continue;
      }
      for (const outcome of ['pass', 'fail']) {
        const dir = join(root, level, version, outcome);
        if (!existsSync(dir)) continue;
        for (const file of readdirSync(dir).sort()) {
          const object = parseAllDocuments(readFileSync(join(dir, file), 'utf8'))[0]?.toJS() as Obj;
          const name = `${outcome}-${file.replace(/\.yaml$/, '').replace(/_/g, '-').toLowerCase()}`;
          const body = withoutNamespace({ ...object, metadata: { ...(object['metadata'] as Obj), name } });
          cases.push({ id: `${level}/${version}/${outcome}/${file}`, kind: 'Pod', body: JSON.stringify(body), fixture: { level, version } });
        }
      }
    }
  }
  return { cases, newer };
}
