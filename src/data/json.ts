// Reading back what toJSON() wrote (vocabularies, scalers): every field is checked, and a
// bad one is a DataError naming it, e.g. "json.mean[2]: expected a finite number, got null".
import { DataError, describe } from './errors.js';

/** The object of a `{ format, version: 1, … }` document, given as an object or as JSON text. */
export function readDocument(json: unknown, format: string): Record<string, unknown> {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new DataError('json', `is not valid JSON (${(error as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataError('json', `expected an object, got ${describe(value)}`);
  const record = value as Record<string, unknown>;
  if (record.format !== format || record.version !== 1) {
    throw new DataError('json', `expected format '${format}' version 1, got format ${describe(record.format)} version ${describe(record.version)}`);
  }
  return record;
}

export function requiredFlag(record: Record<string, unknown>, key: string): boolean {
  const value = record[key];
  if (typeof value !== 'boolean') throw new DataError(`json.${key}`, `expected true or false, got ${describe(value)}`);
  return value;
}

/** An array of finite numbers. */
export function numberArray(record: Record<string, unknown>, key: string): number[] {
  const value = record[key];
  if (!Array.isArray(value)) throw new DataError(`json.${key}`, `expected an array of numbers, got ${describe(value)}`);
  value.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataError(`json.${key}[${i}]`, `expected a finite number, got ${describe(v)}`);
  });
  return value as number[];
}
