import sharp from 'sharp';
import type { ExploreFrame, ExploreLabRequest, LabView, ToyKind } from '../../shared/explore';
import { runImageView, type ImageViewSettings } from '../explore/image-views';
import { svgToPng } from '../explore/render-png';
import { LabSession, runSessions } from '../explore/lab';

/**
 * The Explore view's 2-D lab as a job: one kind (or two side by side, same data and seed)
 * trained in stretches of `frameEvery` steps, with every view redrawn after each stretch and
 * sent through `onFrame`; the last frame (done: true) is also the result.
 */
export async function exploreLab(request: ExploreLabRequest, hooks: { signal?: AbortSignal; onFrame?: (frame: ExploreFrame) => void } = {}): Promise<ExploreFrame> {
  const kinds: ToyKind[] = request.versus ? [request.kind, request.versus] : [request.kind];
  const base = { data: request.data, count: request.count, dataNoise: request.dataNoise, seed: request.seed, steps: request.steps, size: 360 };
  const sessions: LabSession[] = [];
  try {
    for (const kind of kinds) sessions.push(new LabSession({ ...base, kind, ...(request.views ? { views: request.views } : {}) }));
    // Side by side, both rows show the views the two kinds have in common.
    if (sessions.length === 2) {
      const shared = (sessions[0] as LabSession).views.filter((v) => (sessions[1] as LabSession).views.includes(v));
      sessions.splice(0).forEach((s) => s.dispose());
      for (const kind of kinds) sessions.push(new LabSession({ ...base, kind, views: shared }));
    }
    const frameOf = (views: { view: LabView; svg: string }[][], step: number, parts: Record<string, number>, done: boolean): ExploreFrame => ({
      step,
      parts,
      views: views.flatMap((row, i) => row.map((v) => ({ kind: kinds[i] as ToyKind, view: v.view, svg: v.svg }))),
      done,
    });
    const perSession = (flat: { view: LabView; svg: string }[]): { view: LabView; svg: string }[][] => {
      const n = (sessions[0] as LabSession).views.length;
      return sessions.map((_, i) => flat.slice(i * n, (i + 1) * n));
    };
    const run = await runSessions(sessions, {
      frameEvery: request.frameEvery,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onFrame: (f) => hooks.onFrame?.(frameOf(perSession(f.views), f.step, f.parts, false)),
    });
    const last = frameOf(run.views, run.steps, run.parts[0] ?? {}, true);
    hooks.onFrame?.(last);
    return last;
  } finally {
    sessions.forEach((s) => s.dispose());
  }
}

/** An image-model view (ml/explore/image-views.ts) rasterised to PNG, with its numbers. */
export async function exploreModelView(settings: ImageViewSettings): Promise<{ png: Uint8Array; width: number; height: number; summary: Record<string, unknown> }> {
  const result = await runImageView(settings);
  const png = await svgToPng(result.svg);
  const meta = await sharp(png).metadata();
  return { png: new Uint8Array(png), width: meta.width ?? 0, height: meta.height ?? 0, summary: result.summary };
}
