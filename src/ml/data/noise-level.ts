/**
 * The level a noise-level-aware model is told for noise that is not white. For gaussian noise
 * the level is its sigma. Camera noise is signal-dependent and spatially correlated, and the
 * automatic estimate reads only its finest-scale part (docs/denoisers.md, "Real camera noise"),
 * so the level given in training is the same kind of figure: the RMS of the noise's finest
 * diagonal Haar detail, (a - b - c + d) / 2 over 2 x 2 blocks, which equals sigma for white
 * noise and is far below the noise's standard deviation when it is correlated.
 */
export function finestScaleLevel(noisy: Float32Array, clean: Float32Array, start: number, size: number, channels: number): number {
  let sum = 0;
  let count = 0;
  const at = (x: number, y: number, c: number): number => {
    const i = start + (y * size + x) * channels + c;
    return (noisy[i] as number) - (clean[i] as number);
  };
  for (let y = 0; y + 1 < size; y += 2) {
    for (let x = 0; x + 1 < size; x += 2) {
      for (let c = 0; c < channels; c++) {
        const d = (at(x, y, c) - at(x + 1, y, c) - at(x, y + 1, c) + at(x + 1, y + 1, c)) / 2;
        sum += d * d;
        count++;
      }
    }
  }
  return count === 0 ? 0 : Math.sqrt(sum / count) * 255;
}
