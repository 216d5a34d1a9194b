import { describe, expect, it } from 'vitest';
import { buildCsp } from './csp';

describe('buildCsp', () => {
  it('gives the production policy of the security checklist (item 7)', () => {
    expect(buildCsp({ img: ['media:', 'blob:'] })).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' media: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('adds sources only where asked, never unsafe-eval', () => {
    const dev = buildCsp({ script: ['http://localhost:5173'], connect: ['ws://localhost:5173'] });
    expect(dev).toContain("script-src 'self' http://localhost:5173;");
    expect(dev).toContain("connect-src 'self' ws://localhost:5173;");
    expect(dev).toContain("style-src 'self';");
    expect(dev).not.toContain('unsafe-eval');
  });
});
