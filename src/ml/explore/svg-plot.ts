/**
 * Plots as SVG text: data points, arrows, ellipses and labels over a square 2-D window.
 * SVG because one description serves both doors: the CLI rasterises it to PNG with sharp (its
 * bundled librsvg, no browser and no new dependency) and the app can show it as is. Pure
 * string building: no Node, DOM or tfjs here.
 */
export interface Frame {
  /** Pixel size of the square plot area (the panel adds a title strip above it). */
  size: number;
  extent: [number, number];
  title: string;
}

const TITLE_H = 26;
const BG = '#ffffff';
const AXIS = '#d0d4da';

export function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.round(v * 100) / 100).toString() : '0';
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** World (x, y) to pixel coordinates inside the plot area. */
export function toPixel(frame: Frame, x: number, y: number): [number, number] {
  const [lo, hi] = frame.extent;
  const s = frame.size / (hi - lo);
  return [(x - lo) * s, TITLE_H + (hi - y) * s];
}

/** Length in pixels of a world distance. */
export function pixels(frame: Frame, d: number): number {
  return (d * frame.size) / (frame.extent[1] - frame.extent[0]);
}

/** The panel's outer SVG around `body` (already in pixel coordinates). */
export function panel(frame: Frame, body: string[]): string {
  const w = frame.size;
  const h = frame.size + TITLE_H;
  const [ox, oy] = toPixel(frame, 0, 0);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="${BG}"/>`,
    `<text x="8" y="18" font-family="DejaVu Sans, Lato, sans-serif" font-size="14" fill="#222">${escapeXml(frame.title)}</text>`,
    `<line x1="0" y1="${fmt(oy)}" x2="${w}" y2="${fmt(oy)}" stroke="${AXIS}" stroke-width="1"/>`,
    `<line x1="${fmt(ox)}" y1="${TITLE_H}" x2="${fmt(ox)}" y2="${h}" stroke="${AXIS}" stroke-width="1"/>`,
    `<rect x="0.5" y="${TITLE_H + 0.5}" width="${w - 1}" height="${frame.size - 1}" fill="none" stroke="${AXIS}"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

export function dots(frame: Frame, points: Float32Array, color: string | ((i: number) => string), radius = 2, opacity = 0.7): string[] {
  const out: string[] = [];
  for (let i = 0; i < points.length / 2; i++) {
    const [px, py] = toPixel(frame, points[2 * i] as number, points[2 * i + 1] as number);
    const fill = typeof color === 'string' ? color : color(i);
    out.push(`<circle cx="${fmt(px)}" cy="${fmt(py)}" r="${radius}" fill="${fill}" fill-opacity="${opacity}"/>`);
  }
  return out;
}

/**
 * Polylines through the points (the noise-free curve), broken where consecutive points jump
 * (the two moons are one list of points but two curves).
 */
export function curve(frame: Frame, points: Float32Array, color: string, closed = false): string[] {
  if (points.length < 4) return [];
  const runs: string[][] = [[]];
  for (let i = 0; i < points.length / 2; i++) {
    const x = points[2 * i] as number;
    const y = points[2 * i + 1] as number;
    if (i > 0 && Math.hypot(x - (points[2 * i - 2] as number), y - (points[2 * i - 1] as number)) > 0.2) runs.push([]);
    const [px, py] = toPixel(frame, x, y);
    (runs[runs.length - 1] as string[]).push(`${fmt(px)},${fmt(py)}`);
  }
  const tag = closed && runs.length === 1 ? 'polygon' : 'polyline';
  return runs.map((coords) => `<${tag} points="${coords.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5" stroke-opacity="0.6"/>`);
}

/** Segments from each point to its partner (a point and its reconstruction). */
export function segments(frame: Frame, from: Float32Array, to: Float32Array, color: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < from.length / 2; i++) {
    const [x1, y1] = toPixel(frame, from[2 * i] as number, from[2 * i + 1] as number);
    const [x2, y2] = toPixel(frame, to[2 * i] as number, to[2 * i + 1] as number);
    out.push(`<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="${color}" stroke-width="0.7" stroke-opacity="0.5"/>`);
  }
  return out;
}

/**
 * Arrows from each grid point along its vector, drawn at true length times `scale` (so short
 * arrows mean a small field): a shaft and a two-stroke head proportional to the length.
 */
export function arrows(frame: Frame, origins: Float32Array, vectors: Float32Array, scale: number, color: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < origins.length / 2; i++) {
    const [x1, y1] = toPixel(frame, origins[2 * i] as number, origins[2 * i + 1] as number);
    const dx = pixels(frame, (vectors[2 * i] as number) * scale);
    const dy = -pixels(frame, (vectors[2 * i + 1] as number) * scale);
    const len = Math.hypot(dx, dy);
    if (len < 0.3) {
      out.push(`<circle cx="${fmt(x1)}" cy="${fmt(y1)}" r="0.8" fill="${color}"/>`);
      continue;
    }
    const x2 = x1 + dx;
    const y2 = y1 + dy;
    const head = Math.min(6, 0.35 * len);
    const ux = dx / len;
    const uy = dy / len;
    const hx1 = x2 - head * (ux * 0.87 - uy * 0.5);
    const hy1 = y2 - head * (uy * 0.87 + ux * 0.5);
    const hx2 = x2 - head * (ux * 0.87 + uy * 0.5);
    const hy2 = y2 - head * (uy * 0.87 - ux * 0.5);
    out.push(
      `<path d="M${fmt(x1)},${fmt(y1)} L${fmt(x2)},${fmt(y2)} M${fmt(hx1)},${fmt(hy1)} L${fmt(x2)},${fmt(y2)} L${fmt(hx2)},${fmt(hy2)}" stroke="${color}" stroke-width="1.2" fill="none"/>`,
    );
  }
  return out;
}

/**
 * An ellipse per point from [s1, s2, v1x, v1y]: semi-axes s1 * scale along v1 and s2 * scale
 * across it, capped at `maxRadius` pixels so a huge Jacobian does not cover the plot.
 */
export function ellipses(frame: Frame, origins: Float32Array, spectra: Float32Array, scale: number, maxRadius: number, color: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < origins.length / 2; i++) {
    const [cx, cy] = toPixel(frame, origins[2 * i] as number, origins[2 * i + 1] as number);
    const rx = Math.min(maxRadius, Math.max(0.4, (spectra[4 * i] as number) * scale));
    const ry = Math.min(maxRadius, Math.max(0.4, (spectra[4 * i + 1] as number) * scale));
    // Pixel y points down, so the angle flips sign.
    const angle = (-Math.atan2(spectra[4 * i + 3] as number, spectra[4 * i + 2] as number) * 180) / Math.PI;
    out.push(`<ellipse cx="${fmt(cx)}" cy="${fmt(cy)}" rx="${fmt(rx)}" ry="${fmt(ry)}" transform="rotate(${fmt(angle)} ${fmt(cx)} ${fmt(cy)})" fill="${color}" fill-opacity="0.35" stroke="${color}" stroke-width="0.8"/>`);
  }
  return out;
}

/** A colour along a perceptually even-ish ramp (blue -> teal -> yellow) for t in [0, 1]. */
export function ramp(t: number): string {
  const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i] as [number, number, number];
  const b = stops[i + 1] as [number, number, number];
  const c = a.map((v, k) => Math.round(v + f * ((b[k] as number) - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Places panels (each an SVG with a width and height) side by side, `columns` per row. */
export function grid(panels: string[], columns: number, cell: { w: number; h: number }, gap = 8): string {
  const rows = Math.ceil(panels.length / columns);
  const w = columns * cell.w + (columns - 1) * gap;
  const h = rows * cell.h + (rows - 1) * gap;
  const body = panels.map((svg, i) => {
    const x = (i % columns) * (cell.w + gap);
    const y = Math.floor(i / columns) * (cell.h + gap);
    return svg.replace('<svg ', `<svg x="${x}" y="${y}" `);
  });
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`, `<rect width="${w}" height="${h}" fill="#eef0f3"/>`, ...body, '</svg>'].join('\n');
}

/** Height of a panel of plot size `size` (the plot plus its title strip). */
export function panelHeight(size: number): number {
  return size + TITLE_H;
}
