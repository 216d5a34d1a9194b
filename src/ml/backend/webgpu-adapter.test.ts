import { describe, expect, it } from 'vitest';
import { describeAdapter } from './webgpu-adapter';

const limits = { maxStorageBufferBindingSize: 134217728, maxBufferSize: 2147483648 };

describe('describeAdapter', () => {
  it('calls Mesa llvmpipe through OpenGL ES a software, compatibility-level adapter', () => {
    const info = describeAdapter(
      { vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6', isFallbackAdapter: false },
      new Set(['float32-blendable']),
      limits,
      'opengles',
    );
    expect(info).toMatchObject({ software: true, isFallback: false, featureLevel: 'compatibility', driver: 'OpenGL ES (Mesa 22.3.6)', maxBufferBytes: 134217728 });
  });

  it('calls SwiftShader, and anything flagged as a fallback, software', () => {
    const features = new Set(['core-features-and-limits']);
    expect(describeAdapter({ vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)', description: 'SwiftShader driver' }, features, limits, 'native').software).toBe(true);
    expect(describeAdapter({ vendor: 'x', architecture: '', device: 'y', description: '', isFallbackAdapter: true }, features, limits, 'native').software).toBe(true);
  });

  it('takes a real GPU for hardware, at the core feature level, with its buffer limit', () => {
    const info = describeAdapter(
      { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 570.124.06 570.124.6.0', isFallbackAdapter: false },
      new Set(['core-features-and-limits', 'timestamp-query']),
      { maxStorageBufferBindingSize: 4294967292, maxBufferSize: 4294967296 },
      'native',
    );
    expect(info.software).toBe(false);
    expect(info.featureLevel).toBe('core');
    expect(info.maxBufferBytes).toBe(4294967292);
    expect(info.driver).toMatch(/NVIDIA: 570/);
  });
});
