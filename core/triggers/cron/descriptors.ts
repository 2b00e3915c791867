// The `@` shorthands shared by unix (Vixie) and dapr (robfig): seconds are 0 in both.
import type { CronIR } from './days.ts';
import { ALL_MONTHS, anyDay, domValues, dowValues, restrict } from './days.ts';
import { range } from '../calendar.ts';

export function descriptorIR(name: string): CronIR | null {
  const base = { seconds: [0], minutes: [0], years: null };
  switch (name) {
    case '@yearly':
    case '@annually':
      return { ...base, hours: [0], months: [1], days: restrict(domValues([1]), [1], null) };
    case '@monthly':
      return { ...base, hours: [0], months: ALL_MONTHS, days: domValues([1]) };
    case '@weekly':
      return { ...base, hours: [0], months: ALL_MONTHS, days: dowValues([0]) };
    case '@daily':
    case '@midnight':
      return { ...base, hours: [0], months: ALL_MONTHS, days: anyDay() };
    case '@hourly':
      return { ...base, hours: range(0, 23), months: ALL_MONTHS, days: anyDay() };
    default:
      return null;
  }
}
