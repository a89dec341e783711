// Events: LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME, as printEvent.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { NAME_DESCRIPTION, column, integer, isSet, nameOf, parseTime, record, since, text } from './shared.js';

const FIELD_PATH_DESCRIPTION =
  'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.';

// The wide columns sit between the others, so the cells below follow this exact order.
const EVENT_COLUMNS = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column('Object', 'string', 'The object that this event is about.'),
  column('Subobject', 'string', FIELD_PATH_DESCRIPTION, 1),
  column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
  column('Count', 'string', 'The number of times this event has occurred.', 1),
  column('Name', 'string', NAME_DESCRIPTION, 1, 'name'),
];

/** The fields of the internal Event that the printer reads. */
interface EventFields {
  involvedObject: JsonObject;
  type: string;
  reason: string;
  message: string;
  source: JsonObject;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: JsonObject | undefined;
}

/** The events table; LAST SEEN is a plain age (the "(xN over ...)" form belongs to `kubectl events` and describe, not to the server). */
export const eventPrinter: ResourcePrinter = {
  columns: EVENT_COLUMNS,
  row(event: JsonObject, now: Date): PrintedRow {
    const fields = eventFields(event);
    const firstTimestamp = parseTime(fields.firstTimestamp);
    const firstSeen = firstTimestamp === undefined ? since(parseTime(fields.eventTime), now) : since(firstTimestamp, now);
    const lastTimestamp = parseTime(fields.lastTimestamp);
    let lastSeen = lastTimestamp === undefined ? firstSeen : since(lastTimestamp, now);
    let count = fields.count;
    if (fields.series !== undefined) {
      lastSeen = since(parseTime(fields.series['lastObservedTime']), now);
      count = integer(fields.series['count']);
    } else if (count === 0) {
      // Singleton events of the events.k8s.io API carry no count.
      count = 1;
    }
    const kind = text(fields.involvedObject['kind']).toLowerCase();
    const name = text(fields.involvedObject['name']);
    return {
      cells: [
        lastSeen,
        fields.type,
        fields.reason,
        name === '' ? kind : `${kind}/${name}`,
        text(fields.involvedObject['fieldPath']),
        eventSource(fields),
        fields.message.trim(),
        firstSeen,
        count,
        nameOf(event),
      ],
    };
  },
};

// The apiserver prints its internal Event; an events.k8s.io/v1 object maps onto it under other field names.
function eventFields(event: JsonObject): EventFields {
  const common = {
    type: text(event['type']),
    reason: text(event['reason']),
    reportingInstance: text(event['reportingInstance']),
    eventTime: event['eventTime'],
    series: isSet(event['series']) ? record(event['series']) : undefined,
  };
  if (text(event['apiVersion']).startsWith('events.k8s.io/')) {
    return {
      ...common,
      involvedObject: record(event['regarding']),
      message: text(event['note']),
      source: record(event['deprecatedSource']),
      reportingController: text(event['reportingController']),
      firstTimestamp: event['deprecatedFirstTimestamp'],
      lastTimestamp: event['deprecatedLastTimestamp'],
      count: integer(event['deprecatedCount']),
    };
  }
  return {
    ...common,
    involvedObject: record(event['involvedObject']),
    message: text(event['message']),
    source: record(event['source']),
    reportingController: text(event['reportingComponent']),
    firstTimestamp: event['firstTimestamp'],
    lastTimestamp: event['lastTimestamp'],
    count: integer(event['count']),
  };
}

// formatEventSource: "component, host", falling back to the reporting controller and instance.
function eventSource(fields: EventFields): string {
  const component = text(fields.source['component']) || fields.reportingController;
  const host = text(fields.source['host']) || fields.reportingInstance;
  return host === '' ? component : `${component}, ${host}`;
}
