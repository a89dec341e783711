/**
 * The two images a real kubelet node runs here, built offline (the machine pulls nothing) as OCI
 * archives for `ctr images import`:
 *  - the pod sandbox image: Kubernetes' own pause (build-kubelet.sh builds it static from the
 *    release's build/pause/linux/pause.c), as registry.k8s.io/pause is built FROM scratch;
 *  - the workload image: Debian's static busybox, enough to chroot into the host and run its shell.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_PROGRAMS, kubeletBinDir } from './kubelet-binaries.js';
import { tarLayer, writeOciLayout, type LayerEntry } from './oci-layout.js';

export const PAUSE_IMAGE = 'hostpod.local/pause:3.10.2';
export const BUSYBOX_IMAGE = 'hostpod.local/busybox:static';

/** The applets the workload uses, as links to /bin/busybox. */
const APPLETS = ['sh', 'chroot', 'sleep', 'hostname', 'cat'];

/** Writes `name` as an OCI archive at `file`, named as containerd's importer reads a name. */
async function writeArchive(file: string, name: string, entries: LayerEntry[], config: Record<string, unknown>): Promise<void> {
  const layout = `${file}.d`;
  await writeOciLayout(layout, { layers: [{ tar: await tarLayer(entries) }], config: { config } }, name);
  const indexFile = join(layout, 'index.json');
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
  for (const manifest of index.manifests) manifest.annotations = { ...manifest.annotations, 'io.containerd.image.name': name };
  writeFileSync(indexFile, JSON.stringify(index));
  execFileSync('tar', ['-C', layout, '-cf', file, '.']);
  rmSync(layout, { recursive: true, force: true });
}

/** Builds both images under `dir`; resolves with the archives' paths. */
export async function writeNodeImages(dir: string): Promise<string[]> {
  const pause = join(dir, 'pause.tar');
  await writeArchive(pause, PAUSE_IMAGE, [
    { name: 'pause', content: readFileSync(join(kubeletBinDir(), 'pause')), mode: 0o755 },
  ], { Entrypoint: ['/pause'], User: '65535:65535' });
  const busybox = join(dir, 'busybox.tar');
  await writeArchive(busybox, BUSYBOX_IMAGE, [
    { name: 'bin', type: 'directory' },
    { name: 'bin/busybox', content: readFileSync(RUNTIME_PROGRAMS.busybox), mode: 0o755 },
    ...APPLETS.map((applet): LayerEntry => ({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'host', type: 'directory' },
  ], { Cmd: ['/bin/sh'] });
  return [pause, busybox];
}
