/**
 * The largest buffer the active GPU can bind, set when the engine activates its backend. Like the
 * tfjs backend itself it is one per process; inference reads it to size tiles so that the widest
 * activation of a tile batch fits in one buffer (Dawn refuses larger ones outright).
 */
let maxBufferBytes: number | undefined;

export function setDeviceBufferLimit(bytes: number | undefined): void {
  maxBufferBytes = bytes;
}

export function deviceBufferLimit(): number | undefined {
  return maxBufferBytes;
}

/**
 * Bytes per pixel of the widest feature map a tile makes: float32 at 128 channels, the widest
 * level of the largest shipped net. Sizing against it keeps every layer's buffer in the limit.
 */
export const WIDEST_ACTIVATION_BYTES_PER_PIXEL = 4 * 128;
