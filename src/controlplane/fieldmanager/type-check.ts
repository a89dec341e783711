/**
 * An applied configuration checked against its field types, as upstream makes a typed value of it
 * before merging: undeclared fields and strings of another type are errors.
 */
import { isJsonObject, type JsonValue } from '../patch/json-value.js';
import { resolveType, type FieldType, type FieldTypes, type TypeRef } from './field-types.js';
import { fieldElement, pathString } from './path-element.js';
import { itemElement, type Value } from './schema-walk.js';

/**
 * Checks an applied configuration against its types, as upstream makes a typed value of it:
 * a field its struct does not declare, and a scalar of the wrong type, are errors.
 * @returns the errors, each `.path: message`
 */
export function typeErrors(types: FieldTypes, ref: TypeRef, value: Value): string[] {
  const errors: string[] = [];
  const walk = (type: FieldType, v: Value, path: string[]): void => {
    if (v === undefined || v === null) return;
    switch (type.kind) {
      case 'struct':
        if (!isJsonObject(v)) return void errors.push(`${pathString(path)}: expected map, got ${goValueDump(v)}`);
        for (const [key, child] of Object.entries(v)) {
          if (!Object.hasOwn(type.fields, key)) {
            if (!type.open) errors.push(`${pathString([...path, fieldElement(key)])}: field not declared in schema`);
            continue;
          }
          walk(resolveType(types, type.fields[key]!), child, [...path, fieldElement(key)]);
        }
        return;
      case 'map':
        if (!isJsonObject(v)) return void errors.push(`${pathString(path)}: expected map, got ${goValueDump(v)}`);
        for (const [key, child] of Object.entries(v)) walk(resolveType(types, type.values), child, [...path, fieldElement(key)]);
        return;
      case 'list': {
        if (!Array.isArray(v)) return void errors.push(`${pathString(path)}: expected list, got ${goValueDump(v)}`);
        const itemType = resolveType(types, type.items);
        v.forEach((item, index) => {
          let element = `i:${index}`;
          if (type.listType !== 'atomic') {
            try {
              element = itemElement(types, type, item);
            } catch (error) {
              errors.push(`${pathString(path)}: ${(error as Error).message}`);
              return;
            }
          }
          walk(itemType, item, [...path, element]);
        });
        return;
      }
      case 'scalar':
        if (type.type === 'string' && typeof v !== 'string') errors.push(`${pathString(path)}: expected string, got ${goValueDump(v)}`);
        return;
      default:
    }
  };
  walk(resolveType(types, ref), value, []);
  return errors;
}

/** How upstream's error prints a value of the wrong type: Go's %#v of its unstructured value. */
function goValueDump(value: JsonValue): string {
  const shown = typeof value === 'string' ? JSON.stringify(value) : isJsonObject(value) || Array.isArray(value) ? JSON.stringify(value) : String(value);
  return `&value.valueUnstructured{Value:${shown}}`;
}
