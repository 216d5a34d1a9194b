import { describe, expect, it } from 'vitest';
import { devServerUrl } from './dev-server';

describe('the dev-server URL', () => {
  it('is ignored in a packaged build, whatever the environment says', () => {
    expect(devServerUrl(true, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBeUndefined();
    expect(devServerUrl(true, { ELECTRON_RENDERER_URL: 'https://attacker.example/' })).toBeUndefined();
  });

  it('is used unpackaged when it points at a loopback http(s) server', () => {
    for (const url of ['http://localhost:5173', 'http://127.0.0.1:5173/', 'http://[::1]:5173', 'https://localhost:4443']) expect(devServerUrl(false, { ELECTRON_RENDERER_URL: url })).toBe(url);
  });

  it('is refused unpackaged for anything else', () => {
    for (const url of ['', 'https://attacker.example/', 'http://localhost.attacker.example/', 'file:///tmp/index.html', 'javascript:alert(1)', 'not a url']) {
      expect(devServerUrl(false, { ELECTRON_RENDERER_URL: url }), url).toBeUndefined();
    }
    expect(devServerUrl(false, {})).toBeUndefined();
  });
});
