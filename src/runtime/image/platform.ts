/**
 * Platforms (`linux/amd64`, `linux/arm/v7`) and the choice of one manifest from an image index,
 * following containerd's platform matcher: the OS and architecture must match; the variant
 * must match when both sides name one, and arm64's default variant is v8.
 */
import { HostpodError } from '../../errors.js';
import type { Descriptor, Platform } from './oci.js';

const NODE_TO_OCI_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/** The platform of this host, as images name it. */
export function hostPlatform(): Platform {
  const architecture = NODE_TO_OCI_ARCH[process.arch] ?? process.arch;
  if (architecture === 'arm') return { os: 'linux', architecture, variant: `v${(process.config.variables as { arm_version?: string }).arm_version ?? '7'}` };
  return { os: 'linux', architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/');
}

/** Parses `os/arch[/variant]` as given to `--platform`. */
export function parsePlatform(value: string): Platform {
  const parts = value.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) {
    throw new HostpodError('ERR_HOSTPOD_PLATFORM', `invalid platform "${value}"`, { hint: 'write os/architecture[/variant], for example linux/arm64 or linux/arm/v7' });
  }
  const [os = '', architecture = '', variant] = parts;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

function normalizedVariant(p: Platform): string | undefined {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === '')) return 'v8';
  return p.variant === '' ? undefined : p.variant;
}

export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  const wantVariant = normalizedVariant(want);
  const haveVariant = normalizedVariant(have);
  return wantVariant === undefined || haveVariant === undefined || wantVariant === haveVariant;
}

/**
 * The manifest of `want` in an index. Entries without a platform are skipped (they are
 * attestations or other artifacts), as are those marked as attestation manifests.
 */
export function selectManifest(manifests: readonly Descriptor[], want: Platform, what: string): Descriptor {
  const candidates = manifests.filter((m) => m.platform !== undefined && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  const exact = candidates.find((m) => m.platform !== undefined && platformMatches(want, m.platform) && normalizedVariant(m.platform) === normalizedVariant(want));
  const found = exact ?? candidates.find((m) => m.platform !== undefined && platformMatches(want, m.platform));
  if (found) return found;
  const offered = candidates.map((m) => (m.platform ? formatPlatform(m.platform) : '?'));
  throw new HostpodError('ERR_HOSTPOD_IMAGE_PLATFORM', `${what} has no image for ${formatPlatform(want)} (it offers ${offered.length > 0 ? offered.join(', ') : 'no platforms'})`, {
    hint: `build and push the image for ${formatPlatform(want)}, or pull another platform explicitly with --platform`,
  });
}
