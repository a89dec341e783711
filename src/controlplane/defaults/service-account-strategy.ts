/** ServiceAccount: its strategy keeps only the name of each `secrets` reference, on create and update. */
import { isJsonObject, type JsonObject } from './json.js';

/** Reduces each entry of `secrets` to `{ name }`. */
export function keepSecretReferenceNames(serviceAccount: JsonObject): void {
  const secrets = serviceAccount['secrets'];
  if (!Array.isArray(secrets)) return;
  serviceAccount['secrets'] = secrets.map((secret) => (isJsonObject(secret) && secret['name'] !== undefined ? { name: secret['name'] } : {}));
}
