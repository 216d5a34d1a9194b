import { describe, expect, it } from 'vitest';
import { addProtocolNoise, NumpyRandomState } from './numpy-normal';

// Expected values printed by Debian's python3-numpy:
//   np.random.seed(0); np.random.normal(0, 1, 5)
//   np.random.seed(12345); np.random.normal(0, 25/255, 3)
//   np.random.seed(0); np.random.random_sample(3)
describe('NumpyRandomState', () => {
  it('reproduces np.random.normal after np.random.seed(0)', () => {
    const rs = new NumpyRandomState(0);
    const got = Array.from({ length: 5 }, () => rs.standardNormal());
    const want = [1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i] as number, 14));
  });

  it('reproduces random_sample', () => {
    const rs = new NumpyRandomState(0);
    const want = [0.5488135039273248, 0.7151893663724195, 0.6027633760716439];
    want.forEach((w) => expect(rs.nextDouble()).toBeCloseTo(w, 15));
  });

  it('adds scaled noise from the shared stream', () => {
    const noisy = addProtocolNoise(new Float32Array(3), 25, new NumpyRandomState(12345));
    const want = [-0.02006937838085421, 0.046955229221328255, -0.05092536422124883];
    want.forEach((w, i) => expect(noisy[i]).toBeCloseTo(w, 7));
  });
});
