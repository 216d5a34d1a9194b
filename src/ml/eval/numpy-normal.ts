/**
 * NumPy's legacy `np.random.seed(s); np.random.normal(...)` stream, reproduced exactly
 * (MT19937 + the polar Box-Muller of `legacy_gauss`). The benchmark protocol of the reference
 * scripts (../shared/bench/common.py) draws its evaluation noise this way, so using the same
 * stream makes `eval` score on the very same noisy images as the Python peers, to the bit.
 */
const N = 624;
const M = 397;

export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number) {
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.mt[i] = s;
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = ((mt[i] as number) & 0x80000000) | ((mt[(i + 1) % N] as number) & 0x7fffffff);
      let v = (mt[(i + M) % N] as number) ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** random_sample(): 53-bit double in [0, 1). */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gauss;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }
}

/**
 * `(clean + np.random.normal(0, sigma/255, clean.shape)).astype(np.float32)` for one image,
 * drawing from `state` (shared across the images of one pass, as the protocol does).
 */
export function addProtocolNoise(clean: Float32Array, sigma255: number, state: NumpyRandomState): Float32Array {
  const scale = sigma255 / 255;
  const out = new Float32Array(clean.length);
  for (let i = 0; i < clean.length; i++) out[i] = (clean[i] as number) + scale * state.standardNormal();
  return out;
}
