/**
 * A pod's `tolerations` (ValidateTolerations): label-name keys, Exists for an empty key, a
 * tolerationSeconds only for NoExecute, a value only for Equal, and the taint effects there are.
 * DaemonSets of HostProcess pods tolerate the taints of the nodes they must run on.
 */
import type { V1Toleration } from '@kubernetes/client-node';
import { invalid, notSupported, type FieldError, type FieldPath } from '../field.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTolerations(tolerations: V1Toleration[] | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  (tolerations ?? []).forEach((toleration, i) => {
    const p = path.index(i);
    const key = toleration.key ?? '';
    const operator = toleration.operator ?? '';
    const effect = toleration.effect ?? '';
    const value = toleration.value ?? '';
    if (key !== '') for (const message of isQualifiedName(key)) errors.push(invalid(p.child('key'), key, message));
    if (key === '' && operator !== 'Exists') {
      errors.push(invalid(p.child('operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (toleration.tolerationSeconds !== undefined && toleration.tolerationSeconds !== null && effect !== 'NoExecute') {
      errors.push(invalid(p.child('effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const problems = isValidLabelValue(value);
      if (problems.length > 0) errors.push(invalid(p.child('operator'), value, problems.join(';')));
    } else if (operator === 'Exists') {
      if (value !== '') errors.push(invalid(p.child('operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else if (operator === 'Lt' || operator === 'Gt') {
      // The comparison operators are alpha (TaintTolerationComparisonOperators), off by default.
      errors.push(notSupported(p.child('operator'), operator, ['Equal', 'Exists', 'Lt', 'Gt']));
    } else {
      errors.push(notSupported(p.child('operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '' && !EFFECTS.includes(effect)) errors.push(notSupported(p.child('effect'), effect, EFFECTS));
  });
  return errors;
}
