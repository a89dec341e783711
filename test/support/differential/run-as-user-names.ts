/**
 * `runAsUserName` in every form the API server's rules tell apart (validateWindowsSecurityContextOptions):
 * the accounts HostProcess users name, local groups, names at and past each length limit, more
 * than one backslash, domains that are neither NetBIOS nor DNS names, control characters,
 * spaces, periods and the characters a user name may not contain.
 */
import type { Random } from '../fuzz/random.js';

/** Names the API server accepts. */
export const VALID_USER_NAMES: readonly string[] = [
  'NT AUTHORITY\\Local service', 'NT AUTHORITY\\LocalService', 'NT AUTHORITY\\SYSTEM', 'NT AUTHORITY\\NetworkService',
  'ContainerUser', 'ContainerAdministrator', 'Administrators', 'Users', 'BUILTIN\\Administrators', 'BUILTIN\\Users',
  'hostpod\\deploy', 'example.com\\svc-account', 'my-domain.example.com\\user', 'NETBIOS-NAME15C\\u', 'a b\\user name',
  'root', 'nobody', 'u'.repeat(104), `${'d'.repeat(63)}.${'e'.repeat(63)}\\user`, `${'é'.repeat(52)}`, 'dömäin\\üser',
  '-dash\\user', 'user.name', 'name with spaces', '.\\user-in-local-domain',
];

/** Names with at least one problem, each tripping a different rule (or several). */
export const INVALID_USER_NAMES: readonly string[] = [
  '', 'a\\b\\c', '\\\\', 'NT AUTHORITY\\\\SYSTEM', 'u'.repeat(105), `${'é'.repeat(53)}`, `${'d'.repeat(256)}\\user`,
  `${'d'.repeat(255)}\\user`, `${'d'.repeat(63)}.${'e'.repeat(64)}\\user`, 'bad:domain\\user', 'toolong_netbios_name\\user',
  '.dotfirst\\user', 'domain\\', '\\user', '\\', 'user\x07', 'tab\tname', 'line\nbreak', '\x7f', 'NT AUTHORITY\\SYS\x00TEM',
  '   ', '..', '. .', 'domain\\...', 'domain\\  ', 'user@example.com', 'a[b]', 'domain\\us:er', 'user;name', 'a|b', 'x=y',
  'a,b', 'a+b', 'a*', 'what?', '<user>', 'a"b', 'dom/ain\\user', 'domain\\a/b', `${'n'.repeat(16)}_\\user`,
];

/** A name: mostly valid, invalid with probability `flaw`. */
export function runAsUserName(random: Random, flaw: number): string {
  return random.chance(flaw) ? random.pick(INVALID_USER_NAMES) : random.pick(VALID_USER_NAMES);
}
