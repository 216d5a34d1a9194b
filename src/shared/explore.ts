/**
 * The Explore view's contract: the 2-D lab's names and settings, and the frames it streams.
 * Shared because the UI builds the request and draws the frames; the engine (ml/explore) and
 * the CLI take their lists from here.
 */
export const TOY_DATASETS = ['circle', 'spiral', 'moons', 'gaussians'] as const;
export type ToyDatasetName = (typeof TOY_DATASETS)[number];

export const TOY_KINDS = ['ae', 'dae', 'cae', 'sparse', 'vae', 'aae', 'linear'] as const;
export type ToyKind = (typeof TOY_KINDS)[number];

/** Priors on codes an adversarial autoencoder can be pushed toward (the lab's and the image kind's). */
export const LATENT_PRIORS = ['gaussian', 'mixture'] as const;
export type LatentPrior = (typeof LATENT_PRIORS)[number];

export const LAB_VIEWS = ['reconstruction', 'field', 'contraction', 'codes', 'samples'] as const;
export type LabView = (typeof LAB_VIEWS)[number];

export const LAB_LIMITS = {
  count: { min: 16, max: 20000, integer: true },
  dataNoise: { min: 0, max: 1 },
  steps: { min: 0, max: 200000, integer: true },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  size: { min: 120, max: 2000, integer: true },
  frameEvery: { min: 10, max: 10000, integer: true },
} as const;

/** What the app asks the lab for: a kind (and optionally a second one, side by side) on a toy set. */
export interface ExploreLabRequest {
  kind: ToyKind;
  /** A second kind trained on the same data with the same seed, drawn as a second row. */
  versus: ToyKind | null;
  data: ToyDatasetName;
  count: number;
  dataNoise: number;
  seed: number;
  steps: number;
  /** Steps between redraws. */
  frameEvery: number;
  views: LabView[] | null;
}

/** One redraw: the step and loss parts reached, and an SVG per view (and per kind, side by side). */
export interface ExploreFrame {
  step: number;
  parts: Record<string, number>;
  views: { kind: ToyKind; view: LabView; svg: string }[];
  done: boolean;
}

/** Views inside a trained image model (ml/explore/image-views.ts). */
export const IMAGE_VIEWS = ['latent', 'traversal', 'tangents', 'subspace', 'noise-map'] as const;
export type ImageView = (typeof IMAGE_VIEWS)[number];

/** What the app asks for an image-model view: a folder of images or one image, as the view needs. */
export interface ExploreModelRequest {
  modelDir: string;
  view: ImageView;
  /** latent, subspace (and tangents, for a crop): a folder of images. */
  images: string | null;
  /** tangents, noise-map: one image. */
  image: string | null;
  /** noise-map: sigma on the 0-255 scale. */
  sigma: number;
  seed: number;
}
