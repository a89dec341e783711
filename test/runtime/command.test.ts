import type { V1Container } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArgv, buildEnvironment, expandReferences, expandSandbox, workingDirectory } from '../../src/runtime/command.js';

const vars = new Map([['A', 'one'], ['B', 'two']]);
const lookup = (n: string): string | undefined => vars.get(n);

for (const [input, expected] of [
  ['$(A)', 'one'],
  ['x-$(A)-$(B)-y', 'x-one-two-y'],
  ['$(MISSING)', '$(MISSING)'],
  ['$$(A)', '$(A)'],
  ['$$', '$'],
  ['$A', '$A'],
  ['$(A', '$(A'],
  ['$()', '$()'],
  ['trailing $', 'trailing $'],
  // An unclosed reference stays as written, and what follows it is still read: `$$` is one `$`.
  ['$(A $$ b', '$(A $ b'],
  ['$(A $(B)', '$(A $(B)'],
  ['$(A)$(B)$$(A)', 'onetwo$(A)'],
  ['$$$(A)', '$one'],
] as const) {
  test(`$(VAR) expansion: ${JSON.stringify(input)} becomes ${JSON.stringify(expected)}`, () => {
    assert.equal(expandReferences(input, lookup), expected);
  });
}

for (const [input, expected] of [
  ['$CONTAINER_SANDBOX_MOUNT_POINT', '/hpc/'],
  ['$CONTAINER_SANDBOX_MOUNT_POINT/bin/app', '/hpc//bin/app'],
  ['%CONTAINER_SANDBOX_MOUNT_POINT%bin\\app', '/hpc/bin\\app'],
  ['%container_sandbox_mount_point%', '/hpc/'],
  ['$env:CONTAINER_SANDBOX_MOUNT_POINT', '/hpc/'],
  ['${CONTAINER_SANDBOX_MOUNT_POINT}x', '/hpc/x'],
  ['$CONTAINER_SANDBOX_MOUNT_POINTS', '$CONTAINER_SANDBOX_MOUNT_POINTS'],
] as const) {
  test(`sandbox expansion: ${JSON.stringify(input)} becomes ${JSON.stringify(expected)}`, () => {
    assert.equal(expandSandbox(input, '/hpc/'), expected);
  });
}

test('environment order: account, image, pod (referring to earlier pod variables), sandbox; PATH gets the sandbox', () => {
  const env = buildEnvironment({
    account: { PATH: '/bin', HOME: '/root', USER: 'root' },
    image: ['PATH=/usr/bin:/bin', 'FROM_IMAGE=1', 'USER=image'],
    pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u' } },
    container: { name: 'c', env: [{ name: 'X', value: 'x' }, { name: 'Y', value: '$(X)-$(FROM_IMAGE)' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
    sandbox: '/hpc/',
    hostIP: '10.0.0.1',
    what: 'test',
  });
  assert.equal(env.get('PATH'), '/usr/bin:/bin:/hpc');
  assert.equal(env.get('USER'), 'image');
  assert.equal(env.get('HOME'), '/root');
  // Like the kubelet: only the pod's own earlier variables are referenced.
  assert.equal(env.get('Y'), 'x-$(FROM_IMAGE)');
  assert.equal(env.get('POD'), 'p');
  assert.equal(env.get('CONTAINER_SANDBOX_MOUNT_POINT'), '/hpc/');
  assert.equal([...env.keys()].at(-1), 'CONTAINER_SANDBOX_MOUNT_POINT');
});

test('env from a ConfigMap is refused with what to do instead', () => {
  assert.throws(
    () => buildEnvironment({ account: {}, image: [], pod: {}, container: { name: 'c', env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }, sandbox: '/hpc/', hostIP: '', what: 'container "c"' }),
    /container "c": env K reads a ConfigMap, which needs the API server/,
  );
});

test('with the API server: service variables, envFrom with prefix, ConfigMap and Secret keys, optional and missing ones', () => {
  const api = {
    configMap: (name: string) => (name === 'cm' ? { color: 'blue', 'bad name': 'x', KUBERNETES_SERVICE_PORT: 'overridden' } : undefined),
    secret: (name: string) => (name === 's' ? { password: 'hunter2' } : undefined),
    serviceEnv: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '6443' },
  };
  const pod = { metadata: { name: 'p', namespace: 'ns' } };
  const env = buildEnvironment({
    account: {}, image: [], pod, sandbox: '/hpc/', hostIP: '', what: 'w', api,
    container: {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' } }, { prefix: 'S_', secretRef: { name: 's' } }, { configMapRef: { name: 'gone', optional: true } }],
      env: [
        { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } },
        { name: 'MAYBE', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope', optional: true } } },
      ],
    },
  });
  assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.0.0.1');
  assert.equal(env.get('KUBERNETES_SERVICE_PORT'), 'overridden', 'envFrom wins over the service variables');
  assert.equal(env.get('color'), 'blue');
  assert.equal(env.has('bad name'), false);
  assert.equal(env.get('S_password'), 'hunter2');
  assert.equal(env.get('PW'), 'hunter2');
  assert.equal(env.get('MAYBE'), '');
  const build = (container: V1Container) => buildEnvironment({ account: {}, image: [], pod, sandbox: '/hpc/', hostIP: '', what: 'w', api, container });
  assert.throws(() => build({ name: 'c', env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope' } } }] }), /couldn't find key nope in ConfigMap ns\/cm/);
  assert.throws(() => build({ name: 'c', envFrom: [{ secretRef: { name: 'missing' } }] }), /secret "missing" not found/);
});

test('command: command and args, else the image Entrypoint and Cmd; no command is an error', () => {
  const env = new Map([['N', 'v']]);
  assert.deepEqual(buildArgv({ name: 'c', command: ['a', '$(N)'], args: ['%CONTAINER_SANDBOX_MOUNT_POINT%x'] }, { Entrypoint: ['e'], Cmd: ['c'] }, env, '/hpc/', 'w'), ['a', 'v', '/hpc/x']);
  assert.deepEqual(buildArgv({ name: 'c' }, { Entrypoint: ['e'], Cmd: ['c'] }, env, '/hpc/', 'w'), ['e', 'c']);
  assert.deepEqual(buildArgv({ name: 'c', args: ['z'] }, { Entrypoint: ['e'], Cmd: ['c'] }, env, '/hpc/', 'w'), ['e', 'z']);
  assert.deepEqual(buildArgv({ name: 'c', command: ['only'] }, { Entrypoint: ['e'], Cmd: ['c'] }, env, '/hpc/', 'w'), ['only']);
  assert.throws(() => buildArgv({ name: 'c' }, {}, env, '/hpc/', 'container "c"'), /container "c": no command/);
});

test('working directory: workingDir, else the image, else the sandbox; relative ones are under the sandbox', () => {
  const env = new Map<string, string>([['DIR', '/tmp']]);
  for (const mode of ['bind', 'sandbox'] as const) {
    assert.equal(workingDirectory({ name: 'c' }, undefined, env, '/hpc/', mode), '/hpc/');
    assert.equal(workingDirectory({ name: 'c' }, 'app', env, '/hpc/', mode), '/hpc/app');
    assert.equal(workingDirectory({ name: 'c', workingDir: '$CONTAINER_SANDBOX_MOUNT_POINT/sub' }, undefined, env, '/x/rootfs/', mode), '/x/rootfs//sub');
    assert.equal(workingDirectory({ name: 'c', workingDir: '%CONTAINER_SANDBOX_MOUNT_POINT%' }, '/debug', env, '/x/rootfs/', mode), '/x/rootfs/');
  }
});

test('working directory: an absolute path is the host\'s in bind mode (containerd 1.7) and under the sandbox in sandbox mode (1.6), as hcsshim joins it', () => {
  const env = new Map<string, string>([['DIR', '/tmp']]);
  // kubernetes #112885: WORKDIR /debug was C:\C\<id>\debug under 1.6 and C:\debug under 1.7.
  assert.equal(workingDirectory({ name: 'c' }, '/debug', env, '/hpc/', 'bind'), '/debug');
  assert.equal(workingDirectory({ name: 'c' }, '/debug', env, '/x/rootfs/', 'sandbox'), '/x/rootfs/debug');
  assert.equal(workingDirectory({ name: 'c', workingDir: '/tmp' }, 'app', env, '/hpc/', 'bind'), '/tmp');
  assert.equal(workingDirectory({ name: 'c', workingDir: '$(DIR)' }, undefined, env, '/x/rootfs/', 'sandbox'), '/x/rootfs/tmp');
  // A drive letter means the root: C:\work\dir is /work/dir on the host, or under the sandbox.
  assert.equal(workingDirectory({ name: 'c' }, 'C:\\hpc', env, '/hpc/', 'bind'), '/hpc');
  assert.equal(workingDirectory({ name: 'c', workingDir: 'C:\\work\\dir' }, undefined, env, '/x/rootfs/', 'sandbox'), '/x/rootfs/work/dir');
  assert.equal(workingDirectory({ name: 'c', workingDir: 'c:' }, undefined, env, '/x/rootfs/', 'sandbox'), '/x/rootfs/');
  assert.equal(workingDirectory({ name: 'c', workingDir: 'C:/data' }, undefined, env, '/hpc/', 'bind'), '/data');
});

test('env values refer to envFrom, earlier env and service variables as the kubelet resolves them; not to the image\'s', () => {
  const api = {
    configMap: (name: string) => (name === 'cm' ? { HOST: 'db.local' } : undefined),
    secret: () => undefined,
    serviceEnv: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '6443' },
  };
  const env = buildEnvironment({
    account: { HOME: '/root' },
    image: ['FROM_IMAGE=1'],
    pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u' } },
    sandbox: '/hpc/',
    hostIP: '10.0.0.1',
    what: 'w',
    api,
    container: {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' } }],
      env: [
        { name: 'URL', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)/$(HOST)' },
        { name: 'LATER_REF', value: '$(NAME)' },
        { name: 'NAME', value: '', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NOT_SEEN', value: '$(FROM_IMAGE)-$(HOME)' },
        { name: 'ESCAPED', value: '$$(NAME)-$(NAME)' },
      ],
    },
  });
  assert.equal(env.get('URL'), 'https://10.0.0.1:6443/db.local');
  assert.equal(env.get('LATER_REF'), '$(NAME)', 'a variable defined later is not seen');
  assert.equal(env.get('NAME'), 'p', 'an empty value with valueFrom takes valueFrom');
  assert.equal(env.get('NOT_SEEN'), '$(FROM_IMAGE)-$(HOME)');
  assert.equal(env.get('ESCAPED'), '$(NAME)-p');
});

test('sandbox references in env values (the pod\'s and the image\'s) become the sandbox path, as hcsshim does; PATH then gets the sandbox', () => {
  const env = buildEnvironment({
    account: { PATH: '/bin', HOME: '/root' },
    image: ['TOOLS=$CONTAINER_SANDBOX_MOUNT_POINT/tools'],
    pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u' } },
    sandbox: '/hpc/',
    hostIP: '10.0.0.1',
    what: 'w',
    container: {
      name: 'c',
      env: [
        { name: 'PATH', value: '%CONTAINER_SANDBOX_MOUNT_POINT%bin:/usr/bin' },
        { name: 'CONF', value: '$(TOOLS_DIR)$env:CONTAINER_SANDBOX_MOUNT_POINT' },
        { name: 'TOOLS_DIR', value: 'x' },
      ],
    },
  });
  assert.equal(env.get('PATH'), '/hpc/bin:/usr/bin:/hpc');
  assert.equal(env.get('TOOLS'), '/hpc//tools');
  assert.equal(env.get('CONF'), '$(TOOLS_DIR)/hpc/');
  assert.equal(env.get('HOME'), '/root');
});
