import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStore } from '../../host/media-store';
import { RootGuard } from '../../host/root-guard';
import { resolveBundleFile } from './bundle-path';
import { mediaUrl, parseMediaUrl } from './media-url';

let dir: string;
let bundle: string;
let granted: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-protocol-'));
  bundle = join(dir, 'renderer');
  granted = join(dir, 'photos');
  mkdirSync(join(bundle, 'assets'), { recursive: true });
  mkdirSync(granted, { recursive: true });
  writeFileSync(join(bundle, 'index.html'), '<!doctype html>');
  writeFileSync(join(bundle, 'assets', 'app.js'), '');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  writeFileSync(join(granted, 'a.png'), 'png');
  symlinkSync(join(dir, 'secret.txt'), join(bundle, 'assets', 'link.js'));
  symlinkSync(join(dir, 'secret.txt'), join(granted, 'escape.png'));
  mkdirSync(join(dir, 'photos-evil'));
  writeFileSync(join(dir, 'photos-evil', 'b.png'), 'png');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('app:// path check', () => {
  it('serves files inside the bundle, index.html for the root', async () => {
    expect(await resolveBundleFile(bundle, '/')).toBe(join(bundle, 'index.html'));
    expect(await resolveBundleFile(bundle, '/assets/app.js')).toBe(join(bundle, 'assets', 'app.js'));
  });

  it('refuses traversal in every spelling', async () => {
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets/%2E%2E/%2E%2E/secret.txt', `/${join(dir, 'secret.txt')}`, '/%00index.html', '/%E0%A4%A']) {
      expect(await resolveBundleFile(bundle, p), p).toBeNull();
    }
  });

  it('refuses a symlink that points out of the bundle', async () => {
    expect(await resolveBundleFile(bundle, '/assets/link.js')).toBeNull();
  });

  it('refuses what does not exist', async () => {
    expect(await resolveBundleFile(bundle, '/missing.js')).toBeNull();
  });
});

describe('media:// check', () => {
  const id = '0123456789abcdef0123456789abcdef';

  it('parses only KIND/ID', () => {
    expect(parseMediaUrl(`media://thumb/${id}`)).toEqual({ kind: 'thumb', id });
    expect(parseMediaUrl(mediaUrl('blob', id))).toEqual({ kind: 'blob', id });
    for (const url of [`media://thumb/${id}/../../etc/passwd`, 'media://thumb/../../etc/passwd', `media://other/${id}`, `media://thumb/${id}?x=1`, `media://thumb/${id.slice(1)}`, `file:///thumb/${id}`, 'media:///etc/passwd']) {
      expect(parseMediaUrl(url), url).toBeNull();
    }
    // The URL parser folds dot segments away; what is left is only ever looked up as an id.
    expect(parseMediaUrl(`media://thumb/%2e%2e/${id}`)).toEqual({ kind: 'thumb', id });
  });

  function store(): { media: MediaStore; asked: string[] } {
    const guard = new RootGuard([granted]);
    const asked: string[] = [];
    const media = new MediaStore({
      urlFor: mediaUrl,
      checkPath: (p) => guard.check(p, 'Image'),
      thumbnail: async (file) => {
        asked.push(file);
        return { bytes: new Uint8Array([1, 2, 3]), mime: 'image/jpeg', width: 1, height: 1 };
      },
    });
    return { media, asked };
  }

  it('serves a thumbnail of a file inside a granted root, by minted id only', async () => {
    const { media, asked } = store();
    const url = media.thumbUrl(join(granted, 'a.png'));
    const parsed = parseMediaUrl(url);
    expect(parsed).not.toBeNull();
    const body = await media.serve(parsed?.kind ?? 'thumb', parsed?.id ?? '');
    expect(body.mime).toBe('image/jpeg');
    expect(asked).toEqual([join(granted, 'a.png')]);
    await expect(media.serve('thumb', id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('refuses a minted file whose real path leaves the granted roots (symlink, sibling prefix)', async () => {
    const { media, asked } = store();
    for (const file of [join(granted, 'escape.png'), join(dir, 'photos-evil', 'b.png'), join(granted, '..', 'secret.txt')]) {
      const parsed = parseMediaUrl(media.thumbUrl(file));
      await expect(media.serve(parsed?.kind ?? 'thumb', parsed?.id ?? ''), file).rejects.toMatchObject({ code: 'E_PATH_OUTSIDE_ROOT' });
    }
    expect(asked).toEqual([]);
  });
});
