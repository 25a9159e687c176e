import { describe, expect, it } from 'vitest';

import { controlTokenFrom, exposureWarning, isLoopback } from './exposure.ts';

describe('exposure', () => {
  it('counts 127.0.0.0/8, ::1 and localhost as loopback, and nothing else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '::ffff:10.0.0.1', '127.0.0.1.example.com']) expect(isLoopback(host), host).toBe(false);
  });

  it('warns only beyond loopback, naming the host and each service\'s controls', () => {
    expect(exposureWarning('127.0.0.1', ['idp', 'models', 'core'], undefined)).toBeUndefined();
    const warning = exposureWarning('10.0.0.5', ['core'], undefined)!;
    expect(warning).toMatch(/^WARNING: listening on 10\.0\.0\.5, not on loopback only\./);
    expect(warning).toContain('mock-core: read every request Core decided');
    expect(warning).not.toContain('mock-idp');
  });

  it('takes a control token of visible ASCII only (it travels in a header); an empty one is none', () => {
    expect(controlTokenFrom('s3cr3t-Token_1')).toBe('s3cr3t-Token_1');
    expect(controlTokenFrom('')).toBeUndefined();
    expect(controlTokenFrom(undefined)).toBeUndefined();
    for (const bad of ['two words', 'line\nbreak', 'é']) expect(() => controlTokenFrom(bad)).toThrow(/visible ASCII/);
  });
});
