import type { DatasetSummaryInfo } from '../../shared/training';
import type { TrainBatch } from '../models/model';
import type { ValidationSet } from './validation';

/**
 * What the training loop draws batches from, whatever makes them: synthetic corruption of clean
 * images (training-data.ts), real noisy/clean pairs (pairs.ts) or blind-spot masks. Its own
 * module so the two sources do not import each other.
 */
export interface TrainingData {
  channels: 1 | 3;
  summary: Omit<DatasetSummaryInfo, 'channels'>;
  stepsPerEpoch: number;
  validation: ValidationSet;
  /** Call inside tf.tidy: the returned tensors belong to the caller's scope. */
  nextBatch(): TrainBatch;
  /** Plain JSON that the same kind of data source restores from (checkpoint resume). */
  state(): unknown;
}
