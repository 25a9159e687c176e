import { describe, expect, it } from 'vitest';

import { hasAccess } from './access.ts';

describe('userRoles (docs/dial-core.md#user-roles)', () => {
  it.each([
    ['absent: everyone', undefined, [], true],
    ['[]: nobody, whatever the roles', [], ['admin'], false],
    ['any one role matching', ['a', 'b'], ['x', 'b'], true],
    ['no role matching', ['a'], ['b'], false],
    ['no roles at all against a list', ['a'], [], false],
  ])('%s', (_case, userRoles, roles, expected) => {
    expect(hasAccess(userRoles, roles)).toBe(expected);
  });
});
