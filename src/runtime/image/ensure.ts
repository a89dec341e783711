/**
 * Makes a container's image present, as the kubelet does before it creates the container: by its
 * imagePullPolicy (Always, IfNotPresent, Never), with the built-in base image always at hand and
 * `localhost/` images never pulled (they come from `hostpod image import`).
 */
import type { V1Container } from '@kubernetes/client-node';
import { HostpodError } from '../../errors.js';
import { builtinImage, ensureBuiltin } from './builtin.js';
import { pullImage } from './pull.js';
import { isLocalOnly, parseReference } from './reference.js';
import { CredentialStore, defaultAuthFile } from './registry/credentials.js';
import type { ImageStore } from './store.js';

/** The API server's default: Always for :latest or no tag, else IfNotPresent. */
export function pullPolicy(container: V1Container): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const ref = parseReference(container.image ?? '');
  return ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest') ? 'Always' : 'IfNotPresent';
}

export interface EnsureImageOptions {
  insecureRegistries: readonly string[];
  /** Called just before a pull starts (the kubelet's Pulling event). */
  onPull?: (canonical: string) => void;
}

/**
 * @returns whether the image was pulled (false when it was present and the policy allowed that)
 * @throws HostpodError naming the container and image when it is missing and may not or cannot be pulled
 */
export async function ensureImage(store: ImageStore, container: V1Container, options: EnsureImageOptions): Promise<boolean> {
  const image = container.image ?? '';
  if (image === '') throw new HostpodError('ERR_HOSTPOD_IMAGE_MISSING', `container "${container.name}": no image`, { hint: 'set image, e.g. localhost/hostprocess-base:latest' });
  const ref = parseReference(image);
  if (ref.canonical === builtinImage.reference) {
    await ensureBuiltin(store);
    return false;
  }
  const present = store.find(image) !== undefined;
  const policy = pullPolicy(container);
  if (isLocalOnly(ref) || policy === 'Never') {
    if (present) return false;
    throw new HostpodError('ERR_HOSTPOD_IMAGE_MISSING', `container "${container.name}": image ${image} is not in the store and ${isLocalOnly(ref) ? 'localhost/ images are never pulled' : 'imagePullPolicy is Never'}`, {
      hint: 'import it first: hostpod image import FILE --name ' + image,
    });
  }
  if (present && policy === 'IfNotPresent') return false;
  options.onPull?.(ref.canonical);
  await pullImage(store, image, { insecureRegistries: [...options.insecureRegistries], credentials: new CredentialStore(defaultAuthFile()) });
  return true;
}
