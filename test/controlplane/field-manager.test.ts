/**
 * The field manager against answers recorded from kube-apiserver 1.36 (kubectl 1.33 driving it):
 * the FieldsV1 an update and an apply record, the merge by list types, the removal of fields a
 * manager no longer applies, conflicts and their message, forcing, and the managedFields a
 * request may reset.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyConfig, ApplyConflicts, conflictError, customResourceFieldTypes, FieldSet, fieldTypesOf, recordUpdate, type FieldWrite } from '../../src/controlplane/fieldmanager/index.js';
import { typeErrors } from '../../src/controlplane/fieldmanager/type-check.js';
import { keyElement } from '../../src/controlplane/fieldmanager/path-element.js';
import { withoutPrefixes } from '../../src/controlplane/fieldmanager/field-set.js';

type Obj = Record<string, unknown>;

const CONFIGMAP = fieldTypesOf({ group: '', version: 'v1', kind: 'ConfigMap' });
const DAEMONSET = fieldTypesOf({ group: 'apps', version: 'v1', kind: 'DaemonSet' });

function write(manager: string, types = CONFIGMAP, extra: Partial<FieldWrite> = {}): FieldWrite {
  const apiVersion = types === CONFIGMAP ? 'v1' : 'apps/v1';
  return { types, manager, apiVersion, subresource: '', now: '2026-01-02T03:04:05Z', ignored: types === DAEMONSET ? [['f:status']] : [], ...extra };
}

const managed = (object: Obj): Obj[] => ((object['metadata'] as Obj)['managedFields'] as Obj[] | undefined) ?? [];
const fields = (object: Obj, manager: string): unknown => managed(object).find((e) => e['manager'] === manager)?.['fieldsV1'];

const cm = (data: Record<string, string>, metadata: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', ...metadata }, data });

const DS_CONFIG: Obj = {
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ssa' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: {
      metadata: { labels: { app: 'agent' } },
      spec: {
        containers: [{ name: 'main', image: 'busybox:1', command: ['sh', '-c', 'sleep 1d'], ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }],
        tolerations: [{ operator: 'Exists' }],
      },
    },
  },
};

// kubectl 1.33 `apply --server-side` of DS_CONFIG, as kube-apiserver 1.36 recorded it.
const DS_APPLIED = {
  'f:spec': {
    'f:selector': {},
    'f:template': {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"main"}': {
            '.': {}, 'f:command': {}, 'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } }, 'f:image': {}, 'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
          },
        },
        'f:tolerations': {},
      },
    },
  },
};

describe('managedFields of updates', () => {
  test('a create records its fields, a map it adds as a member too (kubectl create configmap)', () => {
    const created = recordUpdate(write('kubectl-create'), undefined, cm({ a: '1' }));
    assert.deepEqual(managed(created), [{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } },
    }]);
  });

  test('an update takes the fields it changes into its own entry (kubectl label, then patch)', () => {
    const created = recordUpdate(write('kubectl-client-side-apply'), undefined, cm({ a: '1', b: '2' }, { labels: { x: '1' } }));
    const labelled = recordUpdate(write('kubectl-label'), created, { ...created, metadata: { ...(created['metadata'] as Obj), labels: { x: '1', extra: 'yes' } } });
    assert.deepEqual(fields(labelled, 'kubectl-label'), { 'f:metadata': { 'f:labels': { 'f:extra': {} } } });
    assert.deepEqual(fields(labelled, 'kubectl-client-side-apply'), { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } });
    const patched = recordUpdate(write('kubectl-patch'), labelled, { ...labelled, data: { a: '1', b: '22' } });
    assert.deepEqual(fields(patched, 'kubectl-patch'), { 'f:data': { 'f:b': {} } });
    assert.deepEqual(fields(patched, 'kubectl-client-side-apply'), { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } });
  });

  test("a stored (frozen) object's managers are read once; an entry a write takes nothing from is written back as stored, one it takes from loses those fields", () => {
    const freeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) {
        for (const member of Object.values(value)) freeze(member);
        Object.freeze(value);
      }
      return value;
    };
    const stored = freeze(recordUpdate(write('kubectl-client-side-apply'), undefined, cm({ a: '1', b: '2' }, { labels: { x: '1' } })));
    const storedFields = fields(stored, 'kubectl-client-side-apply');
    // The write carries the stored managedFields (a read-modify-write), or none (the live ones count).
    for (const carried of [true, false]) {
      const metadata: Obj = { ...(stored['metadata'] as Obj), labels: { x: '1', extra: 'yes' } };
      if (!carried) delete metadata['managedFields'];
      const labelled = recordUpdate(write('kubectl-label'), stored, { ...stored, metadata });
      assert.equal(fields(labelled, 'kubectl-client-side-apply'), storedFields, 'untouched: the stored encoding itself');
      assert.deepEqual(fields(labelled, 'kubectl-label'), { 'f:metadata': { 'f:labels': { 'f:extra': {} } } });
      const patched = recordUpdate(write('kubectl-patch'), stored, { ...stored, data: { a: '1', b: '22' } });
      assert.deepEqual(fields(patched, 'kubectl-client-side-apply'), { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } });
      assert.deepEqual(fields(patched, 'kubectl-patch'), { 'f:data': { 'f:b': {} } });
    }
    assert.deepEqual(fields(stored, 'kubectl-client-side-apply'), { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } }, 'the stored object is as it was');
  });

  test('an update that changes nothing leaves managedFields as they were', () => {
    const created = recordUpdate(write('kubectl-create'), undefined, cm({ a: '1' }));
    const again = recordUpdate({ ...write('other'), now: '2030-01-01T00:00:00Z' }, created, structuredClone(created));
    assert.deepEqual(managed(again), managed(created));
  });

  test('a write through /scale is recorded without a time, as kube-apiserver records kubectl scale', () => {
    const created = recordUpdate(write('kubectl-create', DAEMONSET), undefined, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { minReadySeconds: 1 } });
    const scaled = recordUpdate(write('kubectl.1.33', DAEMONSET, { subresource: 'scale', ignored: [] }), created, { ...created, spec: { minReadySeconds: 3 } });
    assert.deepEqual(managed(scaled).find((e) => e['subresource'] === 'scale'), {
      manager: 'kubectl.1.33', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:minReadySeconds': {} } }, subresource: 'scale',
    });
  });

  test('managedFields: [] empties them, and an object without any keeps none on update (as upstream)', () => {
    const created = recordUpdate(write('kubectl-create'), undefined, cm({ a: '1' }));
    const reset = recordUpdate(write('curl'), created, { ...created, metadata: { ...(created['metadata'] as Obj), managedFields: [] } });
    assert.deepEqual(managed(reset), []);
    const updated = recordUpdate(write('curl'), reset, { ...reset, data: { a: '1', q: '1' } });
    assert.deepEqual(managed(updated), []);
  });

  test('invalid managedFields in a request are dropped for the stored ones', () => {
    const created = recordUpdate(write('kubectl-create'), undefined, cm({ a: '1' }));
    const invalid = [
      { manager: 'x', operation: 'Bogus', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
      { manager: 'x', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV2', fieldsV1: { 'f:data': { 'f:a': {} } } },
      { manager: 'x', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
    ];
    for (const bad of invalid) {
      const updated = recordUpdate(write('curl'), created, { ...created, metadata: { ...(created['metadata'] as Obj), managedFields: [bad] } });
      assert.deepEqual(managed(updated), managed(created), JSON.stringify(bad));
    }
  });

  test('entries whose fields are not FieldsV1 are taken, then dropped as empty (as kube-apiserver does)', () => {
    const created = recordUpdate(write('kubectl-create'), undefined, cm({ a: '1' }));
    for (const entry of [{ fieldsV1: { 'q:data': {} } }, {}]) {
      const bad = { manager: 'x', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', ...entry };
      const updated = recordUpdate(write('curl'), created, { ...created, metadata: { ...(created['metadata'] as Obj), managedFields: [bad] } });
      assert.deepEqual(managed(updated), []);
    }
    const set = { operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } };
    const updated = recordUpdate(write('curl'), created, { ...created, metadata: { ...(created['metadata'] as Obj), managedFields: [set] } });
    assert.deepEqual(managed(updated), [set]);
  });
});

describe('server-side apply', () => {
  test('an apply records what it applied: map list items by their keys (defaults included), atomic lists and structs as leaves', () => {
    const applied = applyConfig(write('kubectl', DAEMONSET), undefined, DS_CONFIG, false).object;
    assert.deepEqual(fields(applied, 'kubectl'), DS_APPLIED);
    assert.equal(managed(applied)[0]!['operation'], 'Apply');
  });

  test('an empty map list applied sets nothing, an empty map is a field set to {}', () => {
    const config = structuredClone(DS_CONFIG) as { spec: { template: { spec: { containers: Obj[] } } } };
    Object.assign(config.spec.template.spec.containers[0]!, { env: [], resources: {} });
    const main = (fields(applyConfig(write('kubectl', DAEMONSET), undefined, config, false).object, 'kubectl') as Record<string, Record<string, Record<string, Record<string, Record<string, Obj>>>>>)['f:spec']!['f:template']!['f:spec']!['f:containers']!['k:{"name":"main"}']!;
    assert.equal(main['f:env'], undefined);
    assert.deepEqual(main['f:resources'], {});
  });

  test("an apply that changes only what it may not own (the main resource's status) still changes the object: its entry takes the apply's time", () => {
    const created = recordUpdate(write('kubectl-create', DAEMONSET, { now: '2026-01-01T00:00:00Z' }), undefined, { ...DS_CONFIG, status: { numberReady: 1 } });
    const config = { ...DS_CONFIG, status: { numberReady: 5 } };
    const applied = applyConfig(write('kubectl', DAEMONSET), created, config, false);
    assert.equal(applied.changed, true);
    const entry = managed(applied.object).find((e) => e['manager'] === 'kubectl');
    assert.equal(entry?.['time'], '2026-01-02T03:04:05Z');
    assert.equal(JSON.stringify(entry?.['fieldsV1']).includes('f:status'), false, 'the status is not the apply\'s');
  });

  test('fields a manager no longer applies are removed, unless another manager owns them', () => {
    const first = applyConfig(write('kubectl'), undefined, cm({ a: '1', b: '2' }, { labels: { x: '1' } }), false).object;
    const second = applyConfig(write('kubectl'), first, cm({ a: '1' }), false).object;
    assert.deepEqual(second['data'], { a: '1' });
    assert.equal((second['metadata'] as Obj)['labels'], undefined);
    assert.deepEqual(fields(second, 'kubectl'), { 'f:data': { 'f:a': {} } });
    const shared = applyConfig(write('other'), second, cm({ a: '1', b: '2' }, { labels: { x: '1' } }), false).object;
    const third = applyConfig(write('kubectl'), shared, cm({}), false).object;
    assert.deepEqual(third['data'], { a: '1', b: '2' });
  });

  test('a conflict is refused with kube-apiserver\'s message, and forcing takes the field', () => {
    const mine = applyConfig(write('kubectl'), undefined, cm({ a: '1', b: '2' }), false).object;
    const theirs = applyConfig(write('other'), mine, cm({ a: '1', b: '2' }), false).object;
    assert.throws(() => applyConfig(write('other'), theirs, cm({ a: 'changed', z: '9' }), false), (error: unknown) => {
      assert.ok(error instanceof ApplyConflicts);
      const status = conflictError(error.conflicts);
      assert.equal(status.code, 409);
      assert.equal(status.message, 'Apply failed with 1 conflict: conflict with "kubectl": .data.a');
      assert.deepEqual(status.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.data.a' }]);
      return true;
    });
    const forced = applyConfig(write('other'), theirs, cm({ a: 'changed', z: '9' }), true).object;
    assert.throws(() => applyConfig(write('third'), forced, cm({ a: 'third', z: 'third' }), false), (error: unknown) => {
      assert.ok(error instanceof ApplyConflicts);
      assert.equal(conflictError(error.conflicts).message, 'Apply failed with 2 conflicts: conflicts with "other":\n- .data.a\n- .data.z');
      return true;
    });
    assert.deepEqual(forced['data'], { a: 'changed', b: '2', z: '9' });
    assert.deepEqual(fields(forced, 'other'), { 'f:data': { 'f:a': {}, 'f:z': {} } });
    assert.deepEqual(fields(forced, 'kubectl'), { 'f:data': { 'f:b': {} } });
  });

  test('a conflict with an update names its apiVersion and the list item\'s key (kubectl set image)', () => {
    const applied = applyConfig(write('kubectl', DAEMONSET), undefined, DS_CONFIG, false).object;
    const spec = structuredClone(applied['spec']) as { template: { spec: { containers: Obj[] } } };
    spec.template.spec.containers[0]!['image'] = 'busybox:2';
    const set = recordUpdate(write('kubectl-set', DAEMONSET), applied, { ...applied, spec });
    assert.deepEqual(fields(set, 'kubectl-set'), { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { 'f:image': {} } } } } } });
    assert.throws(() => applyConfig(write('kubectl', DAEMONSET), set, DS_CONFIG, false), (error: unknown) => {
      assert.ok(error instanceof ApplyConflicts);
      assert.equal(conflictError(error.conflicts).message, 'Apply failed with 1 conflict: conflict with "kubectl-set" using apps/v1: .spec.template.spec.containers[name="main"].image');
      return true;
    });
  });

  test('two managers share a list-map item: each owns its own fields of it (as recorded)', () => {
    const applied = applyConfig(write('kubectl', DAEMONSET), undefined, DS_CONFIG, false).object;
    const side = structuredClone(DS_CONFIG) as { spec: { template: { spec: Obj } } };
    side.spec.template.spec = { containers: [{ name: 'main', env: [{ name: 'B', value: '2' }] }, { name: 'side', image: 'busybox:1' }] };
    const both = applyConfig(write('sidecar', DAEMONSET), applied, side, false).object;
    assert.deepEqual(fields(both, 'sidecar'), {
      'f:spec': {
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"main"}': { '.': {}, 'f:env': { 'k:{"name":"B"}': { '.': {}, 'f:name': {}, 'f:value': {} } }, 'f:name': {} },
              'k:{"name":"side"}': { '.': {}, 'f:image': {}, 'f:name': {} },
            },
          },
        },
      },
    });
    assert.deepEqual(fields(both, 'kubectl'), DS_APPLIED);
    const containers = ((both['spec'] as Obj)['template'] as { spec: { containers: Obj[] } }).spec.containers;
    assert.deepEqual(containers.map((c) => c['name']), ['main', 'side']);
    assert.deepEqual(containers[0]!['env'], [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  });

  test('the first apply to an object nobody manages gives what it has to before-first-apply', () => {
    const unmanaged = cm({ a: '1', q: '1' });
    const applied = applyConfig(write('m'), unmanaged, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, true).object;
    assert.deepEqual(managed(applied), [{
      manager: 'before-first-apply', operation: 'Update', apiVersion: 'v1', time: '2026-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {}, 'f:q': {} } },
    }]);
  });

  test('kubectl\'s server-side apply keeps the client-side last-applied annotation up to date', () => {
    const annotation = '{"apiVersion":"v1","data":{"a":"1","b":"2"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"c","namespace":"ns"}}\n';
    const csa = recordUpdate(write('kubectl-client-side-apply'), undefined, cm({ a: '1', b: '2' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': annotation } }));
    const applied = applyConfig(write('kubectl'), csa, cm({ a: '1', c: '3' }), false).object;
    assert.equal(((applied['metadata'] as Obj)['annotations'] as Obj)['kubectl.kubernetes.io/last-applied-configuration'], '{"apiVersion":"v1","data":{"a":"1","c":"3"},"kind":"ConfigMap","metadata":{"name":"c","namespace":"ns"}}\n');
  });
});

describe('FieldsV1', () => {
  test('round-trips, a member with children marked "."', () => {
    const value = { 'f:data': { '.': {}, 'f:a': {} }, 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} } } } };
    assert.deepEqual(FieldSet.fromFieldsV1(value).toFieldsV1(), value);
  });

  test('keys are sorted by name, elements ordered fields, keys, values, indexes', () => {
    assert.equal(keyElement([['protocol', 'TCP'], ['containerPort', 80]]), 'k:{"containerPort":80,"protocol":"TCP"}');
    const set = new FieldSet().insert(['f:x', 'v:"b"']).insert(['f:x', 'v:"a"']).insert(['f:x', 'k:{"name":"z"}']).insert(['f:x', 'f:y']);
    assert.deepEqual(Object.keys(set.toFieldsV1()['f:x']!), ['f:y', 'k:{"name":"z"}', 'v:"a"', 'v:"b"']);
  });

  test('refuses what is not FieldsV1', () => {
    assert.throws(() => FieldSet.fromFieldsV1({ 'x:y': {} }), /unknown path element/);
    assert.throws(() => FieldSet.fromFieldsV1([]), /expected an object/);
  });

  test('union, difference, intersection, copy and withoutPrefixes hold the member paths their definitions give, on 2,000 random pairs, and the first four share no node with their operands', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const elements = ['f:a', 'f:b', 'k:{"name":"x"}', 'v:"y"', 'i:0'];
    const randomSet = (): FieldSet => {
      const set = new FieldSet();
      for (let n = Math.floor(random() * 6); n > 0; n--) set.insert(Array.from({ length: 1 + Math.floor(random() * 3) }, () => elements[Math.floor(random() * elements.length)]!));
      return set;
    };
    const key = (path: readonly string[]): string => path.join('\u0000');
    const of = (paths: readonly (readonly string[])[]): string[] => paths.map(key).sort();
    let nonEmpty = 0;
    for (let i = 0; i < 2_000; i++) {
      const a = randomSet();
      const b = randomSet();
      const before = [JSON.stringify(a.toFieldsV1()), JSON.stringify(b.toFieldsV1())];
      const inB = new Set(b.paths().map(key));
      const union = a.union(b);
      const difference = a.difference(b);
      const intersection = a.intersection(b);
      const copy = a.copy();
      assert.deepEqual(of(union.paths()), [...new Set([...of(a.paths()), ...of(b.paths())])].sort());
      assert.deepEqual(of(difference.paths()), of(a.paths().filter((p) => !inB.has(key(p)))));
      assert.deepEqual(of(intersection.paths()), of(a.paths().filter((p) => inB.has(key(p)))));
      assert.deepEqual(copy.toFieldsV1(), a.toFieldsV1());
      assert.equal(a.sharesMember(b), !intersection.isEmpty(), 'sharesMember: whether a difference takes any member away');
      // Without the members at or under a prefix of one to three elements (b's first path, cut).
      const prefix = b.paths()[0]?.slice(0, 1 + (i % 3)) ?? ['f:a'];
      const under = (p: readonly string[]): boolean => prefix.every((element, j) => p[j] === element);
      const trimmed = withoutPrefixes(a, [prefix]);
      assert.deepEqual(of(trimmed.paths()), of(a.paths().filter((p) => !under(p))));
      assert.equal(trimmed === a, !a.paths().some(under), 'the set itself only when it has nothing there');
      // Again without a longer and then a shorter prefix: what a first cut left behind is cut again.
      const [deeper] = a.paths().filter((p) => p.length > 1);
      if (deeper) assert.deepEqual(of(withoutPrefixes(a, [deeper, deeper.slice(0, -1)]).paths()), of(a.paths().filter((p) => !deeper.slice(0, -1).every((element, j) => p[j] === element))));
      if (!intersection.isEmpty()) nonEmpty++;
      // A path inserted into a result reaches neither operand.
      for (const result of [union, difference, intersection, copy]) result.insert(['f:a', 'f:b', 'f:new']).insert(['f:new']);
      assert.deepEqual([JSON.stringify(a.toFieldsV1()), JSON.stringify(b.toFieldsV1())], before);
    }
    assert.ok(nonEmpty > 200 && nonEmpty < 1_800, `${nonEmpty} of 2,000 intersections not empty`);
  });
});

describe('a custom resource\'s schema', () => {
  const types = customResourceFieldTypes({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          peers: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          args: { type: 'array', items: { type: 'string' } },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  });
  const cr = (spec: Obj): Obj => ({ apiVersion: 'example.com/v1', kind: 'Peering', metadata: { name: 'p', labels: { a: 'b' } }, spec });

  test('merges its lists by their list types, and refuses fields it does not declare', () => {
    const w = { ...write('one'), types, apiVersion: 'example.com/v1' };
    const first = applyConfig(w, undefined, cr({ peers: [{ name: 'a', port: 1 }], tags: ['x'], args: ['1'], extra: { free: { form: true } } }), false).object;
    assert.deepEqual(fields(first, 'one'), {
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': { 'f:args': {}, 'f:extra': { 'f:free': { 'f:form': {} } }, 'f:peers': { 'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:port': {} } }, 'f:tags': { 'v:"x"': {} } },
    });
    const second = applyConfig({ ...w, manager: 'two' }, first, cr({ peers: [{ name: 'b', port: 2 }], tags: ['y'], args: ['1'] }), false).object;
    assert.deepEqual(second['spec'], { peers: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }], tags: ['x', 'y'], args: ['1'], extra: { free: { form: true } } });
    assert.deepEqual(typeErrors(types, types.root, cr({ colour: 'red' }) as Parameters<typeof typeErrors>[2]), ['.spec.colour: field not declared in schema']);
  });
});
