import { protocol, type Session } from 'electron';
import { readFile } from 'node:fs/promises';
import type { MediaStore } from '../../host/media-store';
import { PRODUCTION_CSP } from '../security/csp';
import { contentTypeOf, resolveBundleFile } from './bundle-path';
import { parseMediaUrl } from './media-url';

/**
 * app://bundle/ serves the built renderer (with the CSP header); media://KIND/ID serves only
 * images the host minted ids for; file: is refused outright (checklist item 18).
 */
export function registerPrivilegedSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: 'media', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'same-origin' };

export function registerAppProtocol(session: Session, rendererRoot: string): void {
  session.protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.hostname !== 'bundle' || request.method !== 'GET') return new Response('Not found', { status: 404 });
    const file = await resolveBundleFile(rendererRoot, url.pathname);
    if (!file) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(await readFile(file)), {
      headers: { 'content-type': contentTypeOf(file), 'content-security-policy': PRODUCTION_CSP, ...SECURITY_HEADERS },
    });
  });
}

export function registerMediaProtocol(session: Session, media: MediaStore): void {
  session.protocol.handle('media', async (request) => {
    const parsed = parseMediaUrl(request.url);
    if (!parsed || request.method !== 'GET') return new Response('Not found', { status: 404 });
    try {
      const body = await media.serve(parsed.kind, parsed.id);
      const headers: Record<string, string> = { 'content-type': body.mime, 'cache-control': 'no-store', ...SECURITY_HEADERS };
      if (body.filename) headers['content-disposition'] = `attachment; filename="${body.filename.replace(/["\\\r\n]/g, '_')}"`;
      return new Response(Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength), { headers });
    } catch (err) {
      const code = (err as { code?: string }).code;
      return new Response('Refused', { status: code === 'E_PATH_OUTSIDE_ROOT' ? 403 : 404 });
    }
  });
}

/** No file:// in the renderer: every file: request is refused (VS Code does the same). */
export function refuseFileProtocol(session: Session): void {
  session.protocol.handle('file', () => new Response('Refused', { status: 403 }));
}
