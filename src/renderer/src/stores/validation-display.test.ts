import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrainEvent } from '../../../shared/training';
import { useTrainingStore } from './training';
import { NO_REFERENCE_NOTE, referenceOf, validationDisplay } from './validation-display';

/**
 * A self-supervised run on already-noisy photos has no clean reference: its validation events
 * carry NaN for PSNR, so the Train view must plot the held-out blind-spot loss and say why,
 * while runs scored in PSNR are drawn as they always were.
 */
type Validation = Extract<TrainEvent, { type: 'validation' }>;

const points = { valSteps: [10, 20], valLoss: [0.004, 0.0025], valPsnr: [Number.NaN, Number.NaN] };

describe('validationDisplay', () => {
  it('draws PSNR, with no note and no extra figure, when there is a clean reference', () => {
    const clean = { valSteps: [10, 20], valLoss: [0.004, 0.0025], valPsnr: [24.1, 25.3] };
    const d = validationDisplay('clean', clean);
    expect(d.series).toEqual([{ label: 'validation PSNR (dB)', x: [10, 20], y: [24.1, 25.3], color: '--chart-3' }]);
    expect(d).toMatchObject({ yLabel: 'PSNR (dB)', label: 'Validation PSNR by step', valLossLabel: 'validation loss', note: null, figure: null });
    expect(d.sampleCaptions).toEqual({ clean: 'clean', noisy: 'corrupted' });
  });

  it('draws the held-out blind-spot loss, says lower is better and why, when there is no reference', () => {
    const d = validationDisplay('none', points);
    expect(d.series).toHaveLength(1);
    expect(d.series[0]?.y).toEqual([0.004, 0.0025]);
    expect(d.series[0]?.label).toBe('held-out blind-spot loss');
    expect(d.yLabel).toBe('loss (lower is better)');
    expect(d.note).toBe(NO_REFERENCE_NOTE);
    expect(d.note).toMatch(/no PSNR can be measured/);
    expect(d.figure).toBe('held-out loss 2.500e-3');
    expect(d.sampleCaptions.clean).not.toBe('clean');
    // Nothing the view prints from it is NaN.
    expect(JSON.stringify({ ...d, series: undefined })).not.toMatch(/NaN/);
  });

  it('shows a dash, never NaN, before the first validation or for a value that is not a number', () => {
    expect(validationDisplay('none', { valSteps: [], valLoss: [], valPsnr: [] }).figure).toBe('held-out loss –');
    expect(validationDisplay('none', { valSteps: [10], valLoss: [Number.NaN], valPsnr: [Number.NaN] }).figure).toBe('held-out loss –');
  });

  it('treats an event without a reference (older engines) as scored against a clean image', () => {
    const e: Validation = { type: 'validation', step: 10, epoch: 1, loss: 0.01, psnr: 20, ssim: 0.5 };
    expect(referenceOf(e)).toBe('clean');
    expect(referenceOf({ ...e, psnr: Number.NaN, ssim: Number.NaN, reference: 'none' })).toBe('none');
  });
});

describe('training store: validation without a clean reference', () => {
  beforeEach(() => {
    vi.stubGlobal('location', { hash: '' });
    vi.stubGlobal('history', { replaceState: () => undefined });
    vi.stubGlobal('window', { matchMedia: undefined });
    setActivePinia(createPinia());
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const validation = (step: number, loss: number, reference?: 'clean' | 'none'): Validation => ({
    type: 'validation',
    step,
    epoch: step / 10,
    loss,
    psnr: reference === 'none' ? Number.NaN : 30,
    ssim: reference === 'none' ? Number.NaN : 0.9,
    ...(reference ? { reference } : {}),
  });

  it("follows the events' reference and forgets it when a new run starts", () => {
    const training = useTrainingStore();
    training.jobId = 'j1';
    expect(training.validation.note).toBeNull();

    training.onUpdate({ jobId: 'j1', type: 'event', event: validation(10, 0.004, 'none') });
    training.onUpdate({ jobId: 'j1', type: 'event', event: validation(20, 0.003, 'none') });
    expect(training.validationReference).toBe('none');
    expect(training.validation.series[0]?.y).toEqual([0.004, 0.003]);
    expect(training.validation.figure).toBe('held-out loss 3.000e-3');
    expect(training.validation.note).toBe(NO_REFERENCE_NOTE);
    // Another run's events change nothing.
    training.onUpdate({ jobId: 'other', type: 'event', event: validation(30, 0.5) });
    expect(training.validationReference).toBe('none');
  });

  it('draws PSNR for a run scored against clean images', () => {
    const training = useTrainingStore();
    training.jobId = 'j1';
    training.onUpdate({ jobId: 'j1', type: 'event', event: validation(10, 0.004) });
    training.onUpdate({ jobId: 'j1', type: 'event', event: validation(20, 0.003, 'clean') });
    expect(training.validationReference).toBe('clean');
    expect(training.validation.series[0]?.y).toEqual([30, 30]);
    expect(training.validation.yLabel).toBe('PSNR (dB)');
    expect(training.validation.figure).toBeNull();
  });

  it('starts a new run drawn as a PSNR run again', async () => {
    const training = useTrainingStore();
    training.jobId = 'j1';
    training.onUpdate({ jobId: 'j1', type: 'event', event: validation(10, 0.004, 'none') });
    expect(training.validationReference).toBe('none');
    // continueRun resets the run before it asks the engine; with no api the call fails and the reset stays.
    await training.continueRun('/m/old');
    expect(training.validationReference).toBe('clean');
    expect(training.series.valSteps).toEqual([]);
  });
});
