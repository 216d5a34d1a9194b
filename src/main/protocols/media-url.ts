import { parseMediaPath, type MediaKind } from '../../host/media-store';
import { parseUrl } from '../security/origin';

/** media://KIND/ID -> { kind, id }, or null for anything else (paths, traversal, other schemes). */
export function parseMediaUrl(value: string): { kind: MediaKind; id: string } | null {
  const url = parseUrl(value);
  if (!url || url.protocol !== 'media:' || url.search !== '' || url.username !== '') return null;
  return parseMediaPath(`${url.hostname}${url.pathname}`);
}

export function mediaUrl(kind: MediaKind, id: string): string {
  return `media://${kind}/${id}`;
}
