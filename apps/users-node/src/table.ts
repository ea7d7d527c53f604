import { type InputOf, inputFields, type Reason, type TableSpec } from '@dbsim/node-runtime';
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

export const usersSpec: TableSpec<typeof users, InputOf<typeof users>> = {
  node: 'users',
  table: users,
  fields: inputFields(users),
  rules({ name, email }) {
    const reasons: Reason[] = [];
    if (name !== undefined) {
      if (name.trim() === '') reasons.push('name_empty');
      // Characters as a reader counts them: code points, so an emoji is one. No more of them than UTF-16 units.
      if (name.length > NAME_MAX_CHARS && [...name].length > NAME_MAX_CHARS) reasons.push('name_too_long');
    }
    if (email !== undefined && !isEmail(email)) reasons.push('email_invalid');
    return reasons;
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
