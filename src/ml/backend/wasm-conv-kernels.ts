/**
 * Convolution gradient kernels for the wasm backend.
 *
 * tfjs-backend-wasm 4.22 ships no `Conv2DBackpropFilter` at all (so it cannot train conv nets),
 * and its `Conv2DBackpropInput` is a scalar C++ loop, several times slower than its XNNPACK
 * `Conv2D`. Both are rewritten here as plain XNNPACK convolutions plus cheap layout moves:
 *
 * - filter gradient: correlating x with dy over batch and space *is* a convolution whose
 *   "batch" is the input channel, whose "channels" are the batch, and whose filter is dy, with
 *   the forward stride as dilation and the forward dilation as stride.
 * - input gradient, stride 1: a convolution of dy with the spatially flipped, in/out-swapped
 *   filter.
 * - input gradient, stride s > 1: the sub-pixel decomposition. Each of the s*s output phases
 *   only sees every s-th filter tap, so a few small stride-1 convolutions of dy give the whole
 *   result without multiplying the zeros that zero-insertion would add (4x the work at s=2).
 *
 * The kernels work on TensorInfo through the wasm backend's own kernels, so nothing here is
 * recorded on the gradient tape and every intermediate is freed before returning.
 *
 * Both kernels also accept an optional `dilations` attribute (tfjs-core never passes one, and
 * its conv2d gradient rejects dilation > 1), so that a dilated conv can get a custom gradient
 * that calls these kernels directly.
 */
import {
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  Slice,
  registerKernel,
  Transpose,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
// Imported for its side effect: the package's own kernels must be registered before ours
// replace one of them.
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Shape4 = [number, number, number, number];
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];
type PadAttr = 'valid' | 'same' | number | ExplicitPad;
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

const BACKEND = 'wasm';

/** Which formulation the input-gradient kernel uses; exported for the benchmark and tests. */
export type BackpropInputStrategy = 'xnnpack' | 'builtin';

interface ConvGradAttrs {
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: PadAttr;
  dimRoundingMode: RoundingMode;
}

function kernelOf(name: string): KernelFunc {
  const config = getKernel(name, BACKEND);
  if (config === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return config.kernelFunc;
}

function single(result: TensorInfo | TensorInfo[]): TensorInfo {
  if (Array.isArray(result)) throw new Error('expected a single output');
  return result;
}

function shape4(info: TensorInfo): Shape4 {
  const s = info.shape;
  if (s.length !== 4) throw new Error(`expected a rank-4 tensor, got shape [${s.join(',')}]`);
  return s as Shape4;
}

function pair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

function readGradAttrs(attrs: NamedAttrMap | undefined): ConvGradAttrs & { dataFormat: string } {
  const a = (attrs ?? {}) as Partial<ConvGradAttrs> & { dataFormat?: string };
  if (a.strides === undefined || a.pad === undefined) throw new Error('conv gradient: missing strides or pad');
  return {
    strides: a.strides,
    dilations: a.dilations ?? 1,
    pad: a.pad,
    dimRoundingMode: a.dimRoundingMode,
    dataFormat: a.dataFormat ?? 'NHWC',
  };
}

/** Thin wrappers over the wasm backend's own kernels, on TensorInfo. */
class WasmOps {
  private readonly conv2dFn = kernelOf(Conv2D);
  private readonly transposeFn = kernelOf(Transpose);
  private readonly sliceFn = kernelOf(Slice);
  private readonly matMulFn = kernelOf(BatchMatMul);

  constructor(readonly backend: BackendWasm) {}

  conv(x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pad: ExplicitPad): TensorInfo {
    return single(
      this.conv2dFn({
        inputs: { x, filter },
        backend: this.backend,
        attrs: { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: 'floor' },
      }),
    );
  }

  /**
   * Stride-1 conv whose padding may be negative: a negative pad means the rows or columns
   * there only ever met padding in the forward pass, so they are cropped instead.
   */
  convAnyPad(x: TensorInfo, filter: TensorInfo, dilations: [number, number], pads: [number, number, number, number]): TensorInfo {
    const [top, bottom, left, right] = pads;
    const [b, h, w, c] = shape4(x);
    const crop = top < 0 || bottom < 0 || left < 0 || right < 0;
    const input = crop
      ? single(
          this.sliceFn({
            inputs: { x },
            backend: this.backend,
            attrs: {
              begin: [0, Math.max(0, -top), Math.max(0, -left), 0],
              size: [b, h - Math.max(0, -top) - Math.max(0, -bottom), w - Math.max(0, -left) - Math.max(0, -right), c],
            },
          }),
        )
      : x;
    const out = this.conv(input, filter, [1, 1], dilations, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ]);
    if (crop) this.dispose(input);
    return out;
  }

  /** a [m, k] . b [k, n] (XNNPACK; b is packed as the weights). */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return single(this.matMulFn({ inputs: { a, b }, backend: this.backend, attrs: { transposeA: false, transposeB: false } }));
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return single(this.transposeFn({ inputs: { x }, backend: this.backend, attrs: { perm } }));
  }

  dispose(...infos: TensorInfo[]): void {
    for (const info of infos) this.backend.disposeData(info.dataId);
  }

  /** A new float32 tensor filled by `fill`, which gets the output view (and nothing else). */
  make(shape: number[], fill: (out: Float32Array) => void): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    fill(this.backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  }

  /** Crops a rank-4 NHWC tensor to [0, h) x [0, w) (top-left aligned). Takes ownership of x. */
  cropTopLeft(x: TensorInfo, h: number, w: number): TensorInfo {
    const [b, xh, xw, c] = shape4(x);
    if (xh === h && xw === w) return x;
    // Allocate before taking the heap view: makeOutput can grow (and so detach) the heap.
    const out = this.backend.makeOutput([b, h, w, c], 'float32');
    const src = this.backend.typedArrayFromHeap(x) as Float32Array;
    const dst = this.backend.typedArrayFromHeap(out) as Float32Array;
    const row = w * c;
    for (let n = 0; n < b; n++) {
      for (let y = 0; y < h; y++) {
        const from = ((n * xh + y) * xw) * c;
        dst.set(src.subarray(from, from + row), (n * h + y) * row);
      }
    }
    this.dispose(x);
    return out;
  }
}

/**
 * dW[a, b, ci, co] = sum_{n, oy, ox} x[n, oy*sh + a*dh - top, ox*sw + b*dw - left, ci] * dy[n, oy, ox, co]
 *
 * Read with ci as the batch and n as the channel, that is a convolution of xT = [Ci, H, W, B]
 * with the filter dyT = [oh, ow, B, Co] at dilation (sh, sw) and stride (dh, dw), whose output
 * [Ci, kh, kw, Co] only needs a transpose.
 */
export function conv2dBackpropFilterWasm(
  ops: WasmOps,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: Shape4,
  attrs: ConvGradAttrs,
): TensorInfo {
  const xShape = shape4(x);
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [kh, kw, ci, co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: oh, outWidth: ow } = info;
  const [, h, w] = xShape;
  const { top, left } = info.padInfo;
  // Bottom/right padding that makes the output exactly kh x kw; negative means x has rows the
  // forward conv never read, which the conv would then still scan, so crop its output instead.
  const bottom = (kh - 1) * dh + (oh - 1) * sh + 1 - h - top;
  const right = (kw - 1) * dw + (ow - 1) * sw + 1 - w - left;
  if (top < 0 || left < 0) throw new Error('conv2dBackpropFilter: negative padding is not supported');

  if (ci === 1 || co === 1) return backpropFilterThin(ops, x, dy, filterShape, info);

  const xT = ops.transpose(x, [3, 1, 2, 0]);
  const dyT = ops.transpose(dy, [1, 2, 0, 3]);
  let r = ops.conv(xT, dyT, [dh, dw], [sh, sw], [
    [0, 0],
    [top, Math.max(0, bottom)],
    [left, Math.max(0, right)],
    [0, 0],
  ]);
  ops.dispose(xT, dyT);
  r = ops.cropTopLeft(r, kh, kw);
  const out = ops.transpose(r, [1, 2, 0, 3]);
  ops.dispose(r);
  return out;
}

/**
 * First and last layers of an image net have one input or one output channel, which leaves the
 * convolution above with a 9-row or 1-column GEMM and a full-size tensor to transpose and pack.
 * With one thin side the taps can be spelled out instead: for Ci = 1, row t of
 * taps[kh*kw, B*oh*ow] is x read at tap t's offset for every output position, and
 * dW = taps . dy[B*oh*ow, Co]; for Co = 1, row t scatters dy to the input positions tap t
 * reads, and dW = taps . x[B*H*W, Ci]. The big operand is used as stored, without a transpose.
 */
function backpropFilterThin(
  ops: WasmOps,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: Shape4,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const [kh, kw, ci, co] = filterShape;
  const { batchSize: batch, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const inputSide = ci === 1;
  const k = inputSide ? batch * oh * ow : batch * h * w;
  const taps = ops.make([kh * kw, k], (out) => {
    out.fill(0);
    const src = ops.backend.typedArrayFromHeap(inputSide ? x : dy) as Float32Array;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const row = (a * kw + b) * k;
        for (let n = 0; n < batch; n++) {
          for (let oy = 0; oy < oh; oy++) {
            const y = oy * sh + a * dh - top;
            if (y < 0 || y >= h) continue;
            for (let ox = 0; ox < ow; ox++) {
              const xx = ox * sw + b * dw - left;
              if (xx < 0 || xx >= w) continue;
              const inIndex = (n * h + y) * w + xx;
              const outIndex = (n * oh + oy) * ow + ox;
              if (inputSide) out[row + outIndex] = src[inIndex] as number;
              else out[row + inIndex] = src[outIndex] as number;
            }
          }
        }
      }
    }
  });
  const big: TensorInfo = inputSide
    ? { dataId: dy.dataId, shape: [k, co], dtype: 'float32' }
    : { dataId: x.dataId, shape: [k, ci], dtype: 'float32' };
  const product = ops.matMul(taps, big);
  ops.dispose(taps);
  return { dataId: product.dataId, shape: [kh, kw, ci, co], dtype: 'float32' };
}

/**
 * dx for y = conv(x, W): stride 1 is a plain convolution of dy with W flipped in space and
 * with in/out channels swapped; stride s > 1 is the sub-pixel form described at the top.
 */
export function conv2dBackpropInputWasm(
  ops: WasmOps,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: Shape4,
  attrs: ConvGradAttrs,
): TensorInfo | null {
  const filterShape = shape4(filter);
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) return null;
  if (sh === 1 && sw === 1) return backpropInputStride1(ops, dy, filter, info);
  return backpropInputSubPixel(ops, dy, filter, info);
}

function backpropInputStride1(
  ops: WasmOps,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | null {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co, inHeight: h, inWidth: w } = info;
  const { outHeight: oh, outWidth: ow, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const padTop = (kh - 1) * dh - top;
  const padLeft = (kw - 1) * dw - left;
  const padBottom = h - oh + top;
  const padRight = w - ow + left;
  const flipped = ops.make([kh, kw, co, ci], (out) => {
    const src = ops.backend.typedArrayFromHeap(filter) as Float32Array;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
        const to = (a * kw + b) * co * ci;
        for (let i = 0; i < ci; i++) {
          for (let o = 0; o < co; o++) out[to + o * ci + i] = src[from + i * co + o] as number;
        }
      }
    }
  });
  const dx = ops.convAnyPad(dy, flipped, [dh, dw], [padTop, padBottom, padLeft, padRight]);
  ops.dispose(flipped);
  return dx;
}

/**
 * Taps of one output phase along one axis: output position s*q + r reads
 * dy[q + c - j] * W[a0 + s*j] for j < n.
 */
interface Phase {
  a0: number;
  n: number;
  c: number;
}

function phasesOf(k: number, s: number, pad: number): Phase[] {
  const phases: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const a0 = (((r + pad) % s) + s) % s;
    const n = a0 < k ? Math.ceil((k - a0) / s) : 0;
    phases.push({ a0, n, c: Math.floor((r + pad) / s) });
  }
  return phases;
}

/** The dy window a group of phases reads along one axis, as conv taps and padding. */
interface PhaseWindow {
  lo: number;
  taps: number;
  padBefore: number;
  padAfter: number;
}

function windowOf(phases: Phase[], q: number, dySize: number): PhaseWindow | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of phases) {
    if (p.n === 0) continue;
    lo = Math.min(lo, p.c - p.n + 1);
    hi = Math.max(hi, p.c);
  }
  if (!Number.isFinite(lo)) return null;
  return { lo, taps: hi - lo + 1, padBefore: -lo, padAfter: q - 1 + hi - (dySize - 1) };
}

/**
 * One convolution for the output phases ry in `ys` x rx in `xs`: a filter [th, tw, Co, |ys|*|xs|*Ci]
 * holding each phase's taps at its offset in the shared window, output channel
 * (iy*|xs| + ix)*Ci + i for phase (ys[iy], xs[ix]). Null when no phase in the group has taps.
 */
function phaseConv(
  ops: WasmOps,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  s: number,
  ys: Phase[],
  xs: Phase[],
  q: [number, number],
): TensorInfo | null {
  const { filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const wy = windowOf(ys, q[0], info.outHeight);
  const wx = windowOf(xs, q[1], info.outWidth);
  if (wy === null || wx === null) return null;
  const cOut = ys.length * xs.length * ci;
  const packed = ops.make([wy.taps, wx.taps, co, cOut], (out) => {
    out.fill(0);
    const src = ops.backend.typedArrayFromHeap(filter) as Float32Array;
    ys.forEach((py, iy) => {
      xs.forEach((px, ix) => {
        const phaseBase = (iy * xs.length + ix) * ci;
        for (let jy = 0; jy < py.n; jy++) {
          const a = py.a0 + s * jy;
          const ty = py.c - jy - wy.lo;
          for (let jx = 0; jx < px.n; jx++) {
            const b = px.a0 + s * jx;
            const tx = px.c - jx - wx.lo;
            const from = (a * kw + b) * ci * co;
            const to = (ty * wx.taps + tx) * co * cOut + phaseBase;
            for (let i = 0; i < ci; i++) {
              for (let o = 0; o < co; o++) out[to + o * cOut + i] = src[from + i * co + o] as number;
            }
          }
        }
      });
    });
  });
  const result = ops.convAnyPad(dy, packed, [1, 1], [wy.padBefore, wy.padAfter, wx.padBefore, wx.padAfter]);
  ops.dispose(packed);
  return result;
}

/**
 * Strided input gradient without multiplying zeros. Output row s*q + ry and column s*x + rx
 * only meet the filter taps a = a0(ry) + s*j, b = a0(rx) + s*j', so each phase (ry, rx) is a
 * small stride-1 convolution of dy. One convolution per row phase, with the column phases
 * packed side by side as output channels, produces rows that are already interleaved along x,
 * so assembling the result is one contiguous copy per row.
 *
 * Measured on DAE-S shapes (k=3, s=2, [16,32,32,64] -> [16,64,64,32], one thread): this
 * 'rows' grouping ~31 ms; four exact per-phase convs plus a JS interleave ~31 ms; one conv
 * over a shared 2x2 window for all phases plus a transpose ~41 ms (16 taps of work for 9
 * useful); the built-in kernel ~270 ms; the forward Conv2D of the same size ~23 ms.
 */
function backpropInputSubPixel(
  ops: WasmOps,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | null {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, inHeight: h, inWidth: w, batchSize: batch } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  // One stride for both axes keeps the phase bookkeeping simple; others use the built-in kernel.
  if (sh !== sw) return null;
  const s = sh;
  const py = phasesOf(kh, s, info.padInfo.top);
  const px = phasesOf(kw, s, info.padInfo.left);
  const q: [number, number] = [Math.ceil(h / s), Math.ceil(w / s)];

  const results = py.map((phase) => phaseConv(ops, dy, filter, info, s, [phase], px, q));
  const out = ops.backend.makeOutput([batch, h, w, ci], 'float32');
  const dst = ops.backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  const [qh, qw] = q;
  results.forEach((r, ry) => {
    if (r === null) return;
    const src = ops.backend.typedArrayFromHeap(r) as Float32Array;
    // Columns run (x, rx, channel), i.e. already in output order: a row is one copy, cropped to w.
    const srcRow = qw * s * ci;
    for (let n = 0; n < batch; n++) {
      for (let qy = 0; qy < qh; qy++) {
        const y = s * qy + ry;
        if (y >= h) break;
        const from = (n * qh + qy) * srcRow;
        dst.set(src.subarray(from, from + w * ci), (n * h + y) * w * ci);
      }
    }
  });
  ops.dispose(...results.filter((r): r is TensorInfo => r !== null));
  return out;
}

let builtinBackpropInput: KernelFunc | null = null;
let builtinBackpropInputSetup: KernelConfig['setupFunc'];
let strategy: BackpropInputStrategy = 'xnnpack';

/** Switches the input-gradient formulation (benchmarks and tests compare them). */
export function setBackpropInputStrategy(next: BackpropInputStrategy): void {
  strategy = next;
}

const backpropFilterKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = readGradAttrs(attrs);
  if (a.dataFormat !== 'NHWC') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const filterShape = (attrs as { filterShape: Shape4 }).filterShape;
  return conv2dBackpropFilterWasm(new WasmOps(backend as BackendWasm), x, dy, filterShape, a);
};

const backpropInputKernel: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = readGradAttrs(attrs);
  if (a.dataFormat !== 'NHWC') throw new Error('wasm Conv2DBackpropInput supports NHWC only');
  const inputShape = (attrs as { inputShape: Shape4 }).inputShape;
  const dilated = pair(a.dilations).some((d) => d !== 1);
  if (strategy === 'xnnpack' || dilated) {
    const out = conv2dBackpropInputWasm(new WasmOps(backend as BackendWasm), dy, filter, inputShape, a);
    if (out !== null) return out;
  }
  if (dilated || builtinBackpropInput === null) {
    throw new Error('wasm Conv2DBackpropInput: unsupported stride/dilation/padding combination');
  }
  return builtinBackpropInput(args);
};

/**
 * Registers the gradient kernels on the wasm backend (idempotent). Call before or after
 * `setBackend('wasm')`: none of them needs a setup step.
 */
export function registerWasmConvKernels(): void {
  if (getKernel(Conv2DBackpropFilter, BACKEND)?.kernelFunc !== backpropFilterKernel) {
    if (getKernel(Conv2DBackpropFilter, BACKEND) !== undefined) unregisterKernel(Conv2DBackpropFilter, BACKEND);
    registerKernel({ kernelName: Conv2DBackpropFilter, backendName: BACKEND, kernelFunc: backpropFilterKernel });
  }
  const current = getKernel(Conv2DBackpropInput, BACKEND);
  if (current?.kernelFunc !== backpropInputKernel) {
    if (current !== undefined) {
      builtinBackpropInput = current.kernelFunc;
      builtinBackpropInputSetup = current.setupFunc;
      unregisterKernel(Conv2DBackpropInput, BACKEND);
    }
    // The built-in kernel stays reachable as a fallback, so its setup (which binds its C++
    // entry point) must still run when the backend initialises after this registration.
    const config: KernelConfig = { kernelName: Conv2DBackpropInput, backendName: BACKEND, kernelFunc: backpropInputKernel };
    if (builtinBackpropInputSetup !== undefined) config.setupFunc = builtinBackpropInputSetup;
    registerKernel(config);
  }
}
