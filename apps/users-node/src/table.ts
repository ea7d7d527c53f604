import { type InputOf, inputFields, type TableSpec } from '@dbsim/node-runtime';
import { sql } from 'drizzle-orm';
import { users } from './schema.js';

export const NAME_MAX_CHARS = 200;
export const EMAIL_MAX_CHARS = 254;

/** The WHATWG HTML definition of a valid e-mail address: what a browser's type=email accepts. */
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** The last address checked, and whether it is one: a row's address is checked by its rules, then for its unique key. */
let lastChecked = '';
let lastValid = false;

export function isEmail(value: string): boolean {
  if (value !== lastChecked) {
    lastChecked = value;
    lastValid = value.length <= EMAIL_MAX_CHARS && EMAIL.test(value);
  }
  return lastValid;
}

/**
 * Whether a text has more than `max` characters as a reader counts them:
 * code points, so an emoji is one (and a lone surrogate one too, as `[...text]`
 * counts). Counted no further than needed, without an array of them: a
 * rejected name may be megabytes.
 */
export function longerThan(text: string, max: number): boolean {
  // A code point is one or two UTF-16 units.
  if (text.length <= max) return false;
  if (text.length > 2 * max) return true;
  let points = 0;
  for (let unit = 0; unit < text.length; unit++) {
    const code = text.charCodeAt(unit);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(unit + 1);
      if (next >= 0xdc00 && next <= 0xdfff) unit++;
    }
    if (++points > max) return true;
  }
  return false;
}

export const usersSpec: TableSpec<typeof users, InputOf<typeof users>> = {
  node: 'users',
  table: users,
  fields: inputFields(users),
  rules({ name, email }, reasons) {
    if (name !== undefined) {
      if (name.trim() === '') reasons.push('name_empty');
      if (longerThan(name, NAME_MAX_CHARS)) reasons.push('name_too_long');
    }
    if (email !== undefined && !isEmail(email)) reasons.push('email_invalid');
  },
  unique: [
    {
      field: 'email',
      reason: 'email_duplicate',
      // Valid addresses are ASCII, so JavaScript's and SQLite's lower() agree.
      key: (value) => (typeof value === 'string' && isEmail(value) ? value.toLowerCase() : undefined),
      stored: sql`lower(${users.email})`,
    },
  ],
  toRecord: ({ id, name, email }) => ({ id, name, email }),
};
