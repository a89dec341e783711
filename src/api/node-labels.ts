/** The labels a node carries about itself, as the kubelet sets them: OS, architecture, host name. */
import { arch } from 'node:os';

/** Kubernetes' name for the machine architecture (GOARCH). */
export function nodeArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

export function nodeLabels(name: string): Record<string, string> {
  return {
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': nodeArch(),
    'kubernetes.io/hostname': name,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': nodeArch(),
  };
}
