// ControllerRevisions: NAME CONTROLLER REVISION AGE, as printControllerRevision.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, integer, list, nameOf, record, text } from './shared.js';

/** The controllerrevisions table: the controller as kind.group/name, and the revision number. */
export const controllerRevisionPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    AGE_COLUMN,
  ],
  row(revision: JsonObject, now: Date): PrintedRow {
    const owner = list(record(revision['metadata'])['ownerReferences']).map(record).find((ref) => ref['controller'] === true);
    return { cells: [nameOf(revision), owner ? controllerName(owner) : '<none>', integer(revision['revision']), ageOf(revision, now)] };
  },
};

// formatResourceName with its kind: the group kind, lower case, then the name (daemonset.apps/agent).
function controllerName(owner: JsonObject): string {
  const apiVersion = text(owner['apiVersion']);
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  const kind = text(owner['kind']);
  return `${(group === '' ? kind : `${kind}.${group}`).toLowerCase()}/${text(owner['name'])}`;
}
