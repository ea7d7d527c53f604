import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from './address.js';

describe('an address', () => {
  it('is a socket path, or tcp://HOST:PORT written back as given', () => {
    for (const text of ['/tmp/users.sock', 'tcp://127.0.0.1:7400', 'tcp://[::1]:0', 'tcp://node-a:65535'])
      expect(formatAddress(parseAddress(text))).toBe(text);
    expect(parseAddress('unix:users.sock', (path) => `/d/${path}`)).toEqual({ kind: 'unix', path: '/d/users.sock' });
  });

  it.each(['tcp://node-a', 'tcp://node-a:', 'tcp://:7400', 'tcp://node-a:70000', 'tcp://node-a:7400/x', 'unix:', ''])(
    'refuses %j in one line',
    (text) => {
      expect(() => parseAddress(text)).toThrow(/^not an address: /);
    },
  );
});
