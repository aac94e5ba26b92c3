import { describe, expect, it } from 'vitest';
import { HostCallError, unwrapReply } from './client';

describe('unwrapReply (the one place a host reply becomes data or an error)', () => {
  it('gives the data of a reply that went well', () => {
    expect(unwrapReply({ ok: true, data: { present: false } })).toEqual({ present: false });
  });

  it('throws the host’s error with its type, path and words', () => {
    const reply = {
      ok: false,
      error: { type: 'invalid-input', path: 'input.key', message: 'input.key: "x" is not a secret name' },
    };
    expect(() => unwrapReply(reply)).toThrow(HostCallError);
    try {
      unwrapReply(reply);
    } catch (error) {
      const e = error as HostCallError;
      expect([e.type, e.path, e.message, e.delivery]).toEqual([
        'invalid-input',
        'input.key',
        'input.key: "x" is not a secret name',
        'refused',
      ]);
    }
  });

  it('says so for a reply that is not one (a host of another version, its error a bare string)', () => {
    for (const reply of [{ ok: false, error: 'input.key: refused' }, { ok: false, error: { type: 'odd' } }, null]) {
      try {
        unwrapReply(reply);
        expect.unreachable('a reply that is not one must throw');
      } catch (error) {
        expect(error).toBeInstanceOf(HostCallError);
        expect([(error as HostCallError).type, (error as HostCallError).message]).toEqual([
          'internal',
          'the Campaign Desk host answered with something that is not a reply',
        ]);
      }
    }
  });
});
