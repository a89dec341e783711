// A child process for the store's crash test: creates objects as fast as it can and prints each
// name once its write has returned (been acknowledged), until it is killed.
import { Store } from '../../src/controlplane/store/index.js';

const store = Store.open(process.argv[2]!);
for (let i = 0; ; i++) {
  const name = `object-${i}`;
  store.create({ resource: 'configmaps', namespace: 'default', name }, { metadata: { name, namespace: 'default' }, data: { i: String(i) } });
  process.stdout.write(`${name}\n`);
}
