import { reasonsPerRow, select, useTempStore } from '@dbsim/node-runtime/testing';
import { describe, expect, it } from 'vitest';
import { usersNode } from './app.js';
import { longerThan, NAME_MAX_CHARS } from './table.js';

const temp = useTempStore(usersNode);

const insert = (...rows: unknown[]) => reasonsPerRow(temp.store, rows);

const user = (id: number, name: string, email: string) => ({ id, name, email });

describe('users validation', () => {
  it('accepts a well-formed user', () => {
    expect(insert(user(1, 'Alice', 'alice@example.com'))).toEqual([[]]);
  });

  it('rejects a name that is empty once trimmed as name_empty', () => {
    expect(insert(user(1, '', 'a@example.com'), user(2, ' \t\n', 'b@example.com'))).toEqual([['name_empty'], ['name_empty']]);
  });

  it('rejects a name over 200 characters, counting code points, as name_too_long', () => {
    expect(insert(user(1, 'x'.repeat(200), 'a@example.com'), user(2, '😀'.repeat(200), 'b@example.com'))).toEqual([[], []]);
    expect(insert(user(3, 'x'.repeat(201), 'c@example.com'))).toEqual([['name_too_long']]);
  });

  it('counts a name as [...name] does, past 200 by one in any mix of units', () => {
    const names = [
      '😀'.repeat(201),
      `${'😀'.repeat(199)}xx`,
      `${'😀'.repeat(150)}${'x'.repeat(51)}`,
      '\ud800'.repeat(201),
      `\udc00${'😀'.repeat(200)}`,
    ];
    for (const name of [...names, ...names.map((long) => [...long].slice(1).join(''))])
      expect(longerThan(name, NAME_MAX_CHARS), `${[...name].length} code points`).toBe([...name].length > NAME_MAX_CHARS);
  });

  it('rejects malformed emails as email_invalid', () => {
    const bad = [
      '',
      'plain',
      'a@',
      '@example.com',
      'a b@example.com',
      'a@exa mple.com',
      'a@-example.com',
      'ä@example.com',
      `${'a'.repeat(250)}@e.com`,
    ];
    expect(insert(...bad.map((email, i) => user(i + 1, 'N', email)))).toEqual(bad.map(() => ['email_invalid']));
  });

  it('rejects an email already taken, compared case-insensitively, the first accepted row winning', () => {
    expect(insert(user(1, 'Alice', 'alice@example.com'), user(2, 'Al', 'ALICE@Example.com'))).toEqual([[], ['email_duplicate']]);
    expect(insert(user(3, 'Al', 'Alice@example.COM'))).toEqual([['email_duplicate']]);
  });

  it('lets a later row take the email of a rejected one', () => {
    expect(insert(user(1, '', 'jane@example.com'), user(2, 'Jane', 'jane@example.com'))).toEqual([['name_empty'], []]);
  });

  it('gives a row every reason that applies', () => {
    insert(user(1, 'Alice', 'alice@example.com'));
    expect(insert({ id: 1, name: ' ', email: 'ALICE@example.com', age: 3 })).toEqual([
      ['field_unknown', 'id_duplicate', 'name_empty', 'email_duplicate'],
    ]);
  });

  it('skips the rules of a field that is missing or mistyped', () => {
    expect(insert({ id: 1, name: 5 }, { id: '2', name: 'B', email: 'b@example.com' })).toEqual([
      ['field_missing', 'field_type'],
      ['field_type'],
    ]);
  });

  it('stores an accepted row verbatim', () => {
    insert(user(1, '  Zoë <script>', 'Zoe@Example.com'));
    expect(select(temp.store, 'select * from users')).toEqual([user(1, '  Zoë <script>', 'Zoe@Example.com')]);
  });
});
