// A child process for the store's crash test: creates objects as fast as it can and prints each
// name once its write has been acknowledged, until it is killed. With `grouped`, 8 writes at a
// time in one event-loop turn, as 8 requests would make them (Store.group), each acknowledged
// once `durable()` says it is committed.
import { Store } from '../../src/controlplane/store/index.js';

const store = Store.open(process.argv[2]!);
const grouped = process.argv[3] === 'grouped';
const create = (i: number): string => {
  const name = `object-${i}`;
  store.create({ resource: 'configmaps', namespace: 'default', name }, { metadata: { name, namespace: 'default' }, data: { i: String(i) } });
  return name;
};
for (let i = 0; ; i += grouped ? 8 : 1) {
  if (!grouped) {
    process.stdout.write(`${create(i)}\n`);
    continue;
  }
  const names = Array.from({ length: 8 }, (_, j) => store.group(() => create(i + j)));
  await store.durable();
  process.stdout.write(names.map((name) => `${name}\n`).join(''));
}
