/** Cron schedules and the time zones they run in, for CronJobs' validation and their controller. */
export { parseSchedule, ScheduleError, type Schedule } from './schedule.js';
export { formatInZone, localTimeZone, unknownTimeZone } from './time-zone.js';
