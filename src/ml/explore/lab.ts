import { DenoiseError } from '../../shared/errors';
import { LAB_LIMITS, type LabView } from '../../shared/explore';
import { codesOf, decodedPriorSamples, encoderJacobians, jacobianSpectra, projectToTwo, reconstructionField, reconstructionsOf } from './analysis';
import { arrows, curve, dots, ellipses, grid, panel, panelHeight, ramp, segments, type Frame } from './svg-plot';
import { gridPoints, makeToyData, type ToyData, type ToyDatasetName } from './toy-data';
import { createToyModel, resolveToyOptions, type ToyKind, type ToyModel, type ToyModelOptions } from './toy-models';
import { ToyTrainer } from './toy-train';

/**
 * The 2-D laboratory as one job: make a toy data set, train a toy model of a kind on it and
 * draw the views. The app calls it with `onFrame` for a live redraw while training; the CLI
 * once, for the final picture.
 */
export { LAB_VIEWS, type LabView } from '../../shared/explore';

export interface LabSettings {
  kind: ToyKind;
  data: ToyDatasetName;
  count: number;
  /** Noise of the data set. */
  dataNoise: number;
  seed: number;
  steps: number;
  /** Views to draw; default: all that apply to the kind. */
  views?: LabView[];
  /** Model options beyond the kind (latent, hidden, noise, samples, lambda, prior). */
  model?: Omit<ToyModelOptions, 'kind' | 'seed'>;
  /** Pixel size of each plot. */
  size?: number;
  learningRate?: number;
}

export interface LabFrame {
  step: number;
  parts: Record<string, number>;
  /** One SVG per view, in the order of `views`. */
  views: { view: LabView; svg: string }[];
}

/** Views that make sense for a kind (samples only for generative ones). */
export function viewsFor(kind: ToyKind): LabView[] {
  const views: LabView[] = ['reconstruction', 'field', 'contraction', 'codes'];
  if (kind === 'vae' || kind === 'aae') views.push('samples');
  return views;
}

const GRID_SIDE = 21;
const JAC_SIDE = 13;

/** Draws the requested views of a model on its data. */
export async function drawViews(model: ToyModel, data: ToyData, views: LabView[], size: number, label: string, seed = 0): Promise<{ view: LabView; svg: string }[]> {
  const frame = (title: string): Frame => ({ size, extent: data.extent, title: `${label}: ${title}` });
  const closed = data.name === 'circle';
  const base = (f: Frame): string[] => (data.name === 'gaussians' ? [] : curve(f, data.manifold, '#999', closed));
  const out: { view: LabView; svg: string }[] = [];
  for (const view of views) {
    if (view === 'reconstruction') {
      const f = frame('data and reconstructions');
      const rec = await reconstructionsOf(model, data.points);
      out.push({ view, svg: panel(f, [...base(f), ...segments(f, data.points, rec, '#888'), ...dots(f, data.points, '#4a78c2', 1.6, 0.5), ...dots(f, rec, '#d1495b', 1.6, 0.8)]) });
    } else if (view === 'field') {
      const f = frame('r(x) - x');
      const g = gridPoints(data.extent, GRID_SIDE);
      const field = await reconstructionField(model, g);
      // Far from the data the field is long (it points all the way back): lengths are scaled so
      // the typical arrow spans most of a grid cell and capped at a cell and a half, so the short
      // arrows on the manifold stay visible next to them.
      const cellWorld = (data.extent[1] - data.extent[0]) / GRID_SIDE;
      const lengths = [...Array(field.length / 2).keys()].map((i) => Math.hypot(field[2 * i] as number, field[2 * i + 1] as number)).sort((a, b) => a - b);
      const typical = lengths[Math.floor(lengths.length * 0.75)] || 1;
      const scale = Math.min(1, (0.9 * cellWorld) / typical);
      for (let i = 0; i < field.length / 2; i++) {
        const len = Math.hypot(field[2 * i] as number, field[2 * i + 1] as number) * scale;
        const cap = len > 1.5 * cellWorld ? (1.5 * cellWorld) / len : 1;
        field[2 * i] = (field[2 * i] as number) * cap;
        field[2 * i + 1] = (field[2 * i + 1] as number) * cap;
      }
      out.push({ view, svg: panel(f, [...base(f), ...dots(f, data.points, '#9bb4de', 1.2, 0.5), ...arrows(f, g, field, scale, '#c0392b')]) });
    } else if (view === 'contraction') {
      const f = frame('encoder Jacobian (singular values)');
      const g = gridPoints(data.extent, JAC_SIDE);
      const spectra = jacobianSpectra(await encoderJacobians(model, g), model.latent);
      // Scale so the median largest singular value fills about a third of a cell.
      const s1 = [...Array(spectra.length / 4).keys()].map((i) => spectra[4 * i] as number).sort((a, b) => a - b);
      const median = s1[Math.floor(s1.length / 2)] || 1;
      const cell = size / JAC_SIDE;
      out.push({ view, svg: panel(f, [...base(f), ...dots(f, data.points, '#9bb4de', 1.2, 0.4), ...ellipses(f, g, spectra, (0.35 * cell) / median, 0.55 * cell, '#2e8b57')]) });
    } else if (view === 'codes') {
      const codes = projectToTwo(await codesOf(model, data.points), model.latent);
      const n = data.points.length / 2;
      // Colour each point by its angle around the origin in data space, so neighbours share a hue.
      const hue = (i: number): string => ramp((Math.atan2(data.points[2 * i + 1] as number, data.points[2 * i] as number) + Math.PI) / (2 * Math.PI));
      let lim = 1e-6;
      for (let i = 0; i < codes.length; i++) lim = Math.max(lim, Math.abs(codes[i] as number));
      const what = model.latent === 1 ? 'codes (1-D, on the x axis)' : model.latent === 2 ? 'codes' : `codes (PCA of ${model.latent}-D)`;
      const f: Frame = { size, extent: [-lim * 1.1, lim * 1.1], title: `${label}: ${what}` };
      out.push({ view, svg: panel(f, dots(f, codes.subarray(0, n * 2), hue, 1.8, 0.8)) });
    } else if (view === 'samples') {
      const f = frame('prior samples decoded');
      const samples = await decodedPriorSamples(model, 500, seed + 1);
      out.push({ view, svg: panel(f, [...base(f), ...dots(f, data.points, '#c9d3e3', 1.4, 0.6), ...(samples ? dots(f, samples, '#8e44ad', 1.8, 0.8) : [])]) });
    }
  }
  return out;
}

export interface LabResult {
  steps: number;
  parts: Record<string, number>;
  views: { view: LabView; svg: string }[];
  /** All views in one picture. */
  svg: string;
}

/** One model on one data set, trained in stretches and drawn between them. */
export class LabSession {
  readonly views: LabView[];
  readonly size: number;
  readonly data: ToyData;
  private readonly model: ToyModel;
  private readonly trainer: ToyTrainer;
  parts: Record<string, number> = {};

  constructor(readonly settings: LabSettings) {
    const { min, max } = LAB_LIMITS.steps;
    if (!Number.isInteger(settings.steps) || settings.steps < min || settings.steps > max) {
      throw new DenoiseError('E_INVALID_ARGUMENT', `steps must be an integer in [${min}, ${max}], got ${settings.steps}`);
    }
    const options = resolveToyOptions({ ...settings.model, kind: settings.kind, seed: settings.seed });
    this.data = makeToyData({ name: settings.data, count: settings.count, noise: settings.dataNoise, seed: settings.seed });
    this.views = settings.views ?? viewsFor(options.kind);
    this.size = settings.size ?? 360;
    this.model = createToyModel(options);
    this.trainer = new ToyTrainer(this.model, this.data.points, {
      totalSteps: settings.steps,
      seed: settings.seed,
      ...(settings.learningRate !== undefined ? { learningRate: settings.learningRate } : {}),
    });
  }

  get step(): number {
    return this.trainer.step;
  }

  get done(): boolean {
    return this.trainer.done;
  }

  async advance(steps: number, signal?: AbortSignal): Promise<void> {
    this.parts = await this.trainer.advance(steps, signal);
  }

  draw(): Promise<{ view: LabView; svg: string }[]> {
    return drawViews(this.model, this.data, this.views, this.size, this.settings.kind, this.settings.seed);
  }

  dispose(): void {
    this.trainer.dispose();
    this.model.dispose();
  }
}

export interface LabHooks {
  signal?: AbortSignal;
  /** Called between stretches of `frameEvery` steps with the current pictures. */
  onFrame?: (frame: LabFrame) => void | Promise<void>;
  frameEvery?: number;
}

/** One picture of sessions' views: a row per session. */
export function composeRows(rows: { view: LabView; svg: string }[][], size: number): string {
  const columns = Math.max(...rows.map((r) => r.length));
  const panels = rows.length === 1 ? (rows[0] ?? []).map((v) => v.svg) : rows.flatMap((r) => r.map((v) => v.svg));
  return grid(panels, rows.length === 1 ? Math.min(columns, 3) : columns, { w: size, h: panelHeight(size) });
}

/**
 * Trains one or two sessions (side by side: the same data and seed) in alternating stretches,
 * so both advance together and every frame shows them at the same step.
 */
export async function runSessions(sessions: LabSession[], hooks: LabHooks = {}): Promise<{ views: { view: LabView; svg: string }[][]; parts: Record<string, number>[]; steps: number }> {
  const every = hooks.frameEvery ?? 100;
  while (sessions.some((s) => !s.done) && !hooks.signal?.aborted) {
    for (const s of sessions) await s.advance(every, hooks.signal);
    if (hooks.onFrame && !hooks.signal?.aborted) {
      const drawn = await Promise.all(sessions.map((s) => s.draw()));
      await hooks.onFrame({ step: sessions[0]?.step ?? 0, parts: sessions[0]?.parts ?? {}, views: drawn.flat() });
    }
  }
  const views = await Promise.all(sessions.map((s) => s.draw()));
  return { views, parts: sessions.map((s) => s.parts), steps: sessions[0]?.step ?? 0 };
}

export async function runLab(settings: LabSettings, hooks: LabHooks = {}): Promise<LabResult> {
  const session = new LabSession(settings);
  try {
    const { views, parts, steps } = await runSessions([session], hooks);
    const drawn = views[0] ?? [];
    return { steps, parts: parts[0] ?? {}, views: drawn, svg: composeRows([drawn], session.size) };
  } finally {
    session.dispose();
  }
}

/** Side-by-side: two kinds on the same data with the same seed; one picture, a row per kind. */
export async function runLabPair(a: LabSettings, bKind: ToyKind, hooks: LabHooks = {}): Promise<{ left: LabResult; right: LabResult; svg: string }> {
  const views = a.views ?? viewsFor(a.kind).filter((v) => viewsFor(bKind).includes(v));
  const left = new LabSession({ ...a, views });
  let right: LabSession | undefined;
  try {
    right = new LabSession({ ...a, kind: bKind, views });
    const run = await runSessions([left, right], hooks);
    const [lv = [], rv = []] = run.views;
    const svg = composeRows([lv, rv], left.size);
    return {
      left: { steps: run.steps, parts: run.parts[0] ?? {}, views: lv, svg: composeRows([lv], left.size) },
      right: { steps: run.steps, parts: run.parts[1] ?? {}, views: rv, svg: composeRows([rv], left.size) },
      svg,
    };
  } finally {
    left.dispose();
    right?.dispose();
  }
}
