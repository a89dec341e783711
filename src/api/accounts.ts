/**
 * The Windows accounts a HostProcess container can name in `runAsUserName`, recognised the way
 * hcsshim does: case-insensitive, with or without the space ("Local service", "LocalService").
 */

export type WellKnownAccount = 'LocalSystem' | 'LocalService' | 'NetworkService';

const WELL_KNOWN: Readonly<Record<string, WellKnownAccount>> = {
  'ntauthority\\system': 'LocalSystem',
  'ntauthority\\localsystem': 'LocalSystem',
  'ntauthority\\localservice': 'LocalService',
  'ntauthority\\networkservice': 'NetworkService',
};

/**
 * The well-known account `name` refers to, or undefined for anything else (on Windows 1.7+, a
 * local group name, for which a temporary user is created).
 */
export function wellKnownAccount(name: string): WellKnownAccount | undefined {
  return WELL_KNOWN[name.toLowerCase().replace(/ /g, '')];
}
