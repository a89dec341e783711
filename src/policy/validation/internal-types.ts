/**
 * Some API server errors show a whole struct of the internal (unversioned) types as the bad
 * value: a container's securityContext, a seccompProfile. encoding/json writes those with their Go
 * field names, in declaration order, every field, unset pointers as null. These build the same
 * shapes from the v1 objects.
 */
import type { V1AppArmorProfile, V1SeccompProfile, V1SecurityContext } from '@kubernetes/client-node';
import { GoJsonValue } from '../field.js';

const orNull = <T>(value: T | undefined | null): T | null => (value === undefined ? null : value);

function seccompProfile(profile: V1SeccompProfile | undefined | null): Record<string, unknown> | null {
  if (!profile) return null;
  return { Type: profile.type ?? '', LocalhostProfile: orNull(profile.localhostProfile) };
}

function appArmorProfile(profile: V1AppArmorProfile | undefined | null): Record<string, unknown> | null {
  if (!profile) return null;
  return { Type: profile.type ?? '', LocalhostProfile: orNull(profile.localhostProfile) };
}

/** core.SeccompProfile. */
export function seccompProfileValue(profile: V1SeccompProfile): GoJsonValue {
  return new GoJsonValue(seccompProfile(profile));
}

/** core.SecurityContext of a container. */
export function securityContextValue(sc: V1SecurityContext): GoJsonValue {
  const caps = sc.capabilities;
  const selinux = sc.seLinuxOptions;
  const windows = sc.windowsOptions;
  return new GoJsonValue({
    Capabilities: caps ? { Add: orNull(caps.add), Drop: orNull(caps.drop) } : null,
    Privileged: orNull(sc.privileged),
    SELinuxOptions: selinux ? { User: selinux.user ?? '', Role: selinux.role ?? '', Type: selinux.type ?? '', Level: selinux.level ?? '' } : null,
    WindowsOptions: windows ? {
      GMSACredentialSpecName: orNull(windows.gmsaCredentialSpecName), GMSACredentialSpec: orNull(windows.gmsaCredentialSpec),
      RunAsUserName: orNull(windows.runAsUserName), HostProcess: orNull(windows.hostProcess),
    } : null,
    RunAsUser: orNull(sc.runAsUser),
    RunAsGroup: orNull(sc.runAsGroup),
    RunAsNonRoot: orNull(sc.runAsNonRoot),
    ReadOnlyRootFilesystem: orNull(sc.readOnlyRootFilesystem),
    AllowPrivilegeEscalation: orNull(sc.allowPrivilegeEscalation),
    ProcMount: orNull(sc.procMount),
    SeccompProfile: seccompProfile(sc.seccompProfile),
    AppArmorProfile: appArmorProfile(sc.appArmorProfile),
  });
}
