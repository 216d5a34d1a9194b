import { describe, expect, it, vi } from 'vitest';
import { guardNavigation, handleWindowOpen, isAllowedExternal, isAllowedNavigation } from './navigation';

const app = ['app://bundle'];

describe('navigation guard', () => {
  it('lets the app move within its own origin', () => {
    const event = { preventDefault: vi.fn() };
    expect(guardNavigation(event, 'app://bundle/index.html#/models', app)).toBe(true);
    expect(event.preventDefault).not.toHaveBeenCalled();
  });

  it('blocks every other target, including look-alikes', () => {
    for (const url of ['https://example.com', 'https://example.com.attacker.com', 'app://bundle.attacker.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,hi', 'media://thumb/abc', '']) {
      const event = { preventDefault: vi.fn() };
      expect(guardNavigation(event, url, app), url).toBe(false);
      expect(event.preventDefault).toHaveBeenCalledOnce();
    }
  });

  it('compares with the URL parser, not a prefix', () => {
    expect(isAllowedNavigation('app://bundle@evil.com/', app)).toBe(false);
  });
});

describe('window.open and external links', () => {
  it('always denies a new window and opens only allow-listed https links outside', () => {
    const open = vi.fn();
    expect(handleWindowOpen('https://github.com/some/repo', open)).toEqual({ action: 'deny' });
    expect(open).toHaveBeenCalledWith('https://github.com/some/repo');
    open.mockClear();
    for (const url of ['http://github.com/', 'https://github.com.evil.com/', 'https://user:pw@github.com/', 'file:///etc/passwd', 'https://example.com/', 'javascript:alert(1)']) {
      expect(handleWindowOpen(url, open)).toEqual({ action: 'deny' });
    }
    expect(open).not.toHaveBeenCalled();
  });

  it('does not open file URLs (fiddle pattern)', () => {
    expect(isAllowedExternal('file:///Users/me/secret.txt')).toBe(false);
  });
});
