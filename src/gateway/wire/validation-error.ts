import type { z } from 'zod';
import { invalidRequest, type OperonError } from '../../core/errors.ts';

/**
 * Turns a failed zod parse of a request body into one `invalid_request` error whose message names the
 * field and the fix, e.g. "messages[2].role must be one of system, developer, user, assistant, tool; got 'bot'."
 *
 * Only the first issue is reported: a client fixes one thing at a time, and a list of twenty union
 * branch failures helps nobody. Custom zod messages written as a phrase starting with "must" or
 * "is required" (for example on a union: "must be a string or an array of content parts") are used
 * verbatim after the path.
 */
export function toValidationError(error: z.ZodError, input: unknown): OperonError {
  const issue = error.issues[0];
  if (issue === undefined) return invalidRequest('The request body is invalid.');
  const { message, path } = describeIssue(issue as Issue, [], input);
  return invalidRequest(message, path.length === 0 ? undefined : formatPath(path), error);
}

/** `['messages', 2, 'role']` → `messages[2].role`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A short, quoted description of a JSON value for error messages: `'bot'`, `42`, `null`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, prefix: PropertyKey[], input: unknown): { message: string; path: PropertyKey[] } {
  const path = prefix.length === 0 ? (issue.path as PropertyKey[]) : [...prefix, ...issue.path];
  const value = valueAt(input, path);
  const subject = path.length === 0 ? 'The request body' : formatPath(path);
  const custom = issue.message.startsWith('must ') ? issue.message : undefined;
  const required = issue.message.startsWith('is required') ? issue.message : undefined;

  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        return { path, message: `${subject} ${required ?? `is required; send ${expectedType(issue.expected)}`}.` };
      }
      return { path, message: `${subject} ${custom ?? `must be ${expectedType(issue.expected)}`}; got ${describeValue(value)}.` };
    }
    case 'invalid_union': {
      if (issue.discriminator !== undefined && 'options' in issue && issue.options !== undefined) {
        const options = issue.options.map(String).join(', ');
        if (value === undefined) return { path, message: `${subject} is required; use one of ${options}.` };
        return { path, message: `${subject} must be one of ${options}; got ${describeValue(value)}.` };
      }
      // The branch that got furthest into the value explains the problem best (an array with one bad item
      // fails the string branch at the root and the array branch deep inside). When every branch fails at
      // the root, the union's own message (if any) describes it better than one branch's complaint.
      const branch = deepestBranch(issue.errors);
      if (branch !== undefined && (branch.path.length > 0 || custom === undefined)) return describeIssue(branch, path, input);
      const expected = issue.errors.map((issues) => (issues[0]?.code === 'invalid_type' ? expectedType(issues[0].expected) : 'another shape'));
      const wanted = custom ?? `must be ${unique(expected).join(' or ')}`;
      if (value === undefined) return { path, message: `${subject} is required; it ${wanted}.` };
      return { path, message: `${subject} ${wanted}; got ${describeValue(value)}.` };
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : String(v)));
      const wanted = values.length === 1 ? `must be '${values[0]}'` : `must be one of ${values.join(', ')}`;
      if (value === undefined) return { path, message: `${subject} is required; it ${wanted}.` };
      return { path, message: `${subject} ${custom ?? wanted}; got ${describeValue(value)}.` };
    }
    case 'too_small': {
      const minimum = Number(issue.minimum);
      if (issue.origin === 'array') return { path, message: `${subject} must contain at least ${plural(minimum, 'item')}.` };
      if (issue.origin === 'string') return { path, message: `${subject} must be at least ${plural(minimum, 'character')} long.` };
      const bound = issue.inclusive === false ? `greater than ${minimum}` : `at least ${minimum}`;
      return { path, message: `${subject} ${custom ?? `must be ${bound}`}; got ${describeValue(value)}.` };
    }
    case 'too_big': {
      const maximum = Number(issue.maximum);
      if (issue.origin === 'array') return { path, message: `${subject} must contain at most ${plural(maximum, 'item')}.` };
      if (issue.origin === 'string') return { path, message: `${subject} must be at most ${plural(maximum, 'character')} long.` };
      const bound = issue.inclusive === false ? `less than ${maximum}` : `at most ${maximum}`;
      return { path, message: `${subject} ${custom ?? `must be ${bound}`}; got ${describeValue(value)}.` };
    }
    case 'unrecognized_keys':
      return { path, message: `${subject} has unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}; remove ${issue.keys.length === 1 ? 'it' : 'them'}.` };
    case 'invalid_format':
      return { path, message: `${subject} must be a valid ${issue.format}; got ${describeValue(value)}.` };
    default:
      return { path, message: `${subject} ${custom ?? `is invalid: ${issue.message}`}${issue.message.endsWith('.') ? '' : '.'}` };
  }
}

function deepestBranch(branches: readonly (readonly Issue[])[]): Issue | undefined {
  let best: Issue | undefined;
  let bestDepth = 0;
  for (const issues of branches) {
    const first = issues[0];
    if (first === undefined) continue;
    // A branch that failed only because the value had the wrong type at the root says nothing useful.
    const depth = first.path.length + (first.code === 'invalid_type' ? 0 : 1);
    if (depth > bestDepth) {
      best = first;
      bestDepth = depth;
    }
  }
  return best;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function expectedType(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'array':
    case 'object':
      return `an ${expected}`;
    default:
      return `a ${expected}`;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
