import { resolve } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { LAB_LIMITS } from '../../shared/explore';
import { LAB_VIEWS, runLab, runLabPair, type LabSettings, type LabView } from '../../ml/explore/lab';
import { writePlot } from '../../ml/explore/render-png';
import { TOY_DATASETS, isToyDatasetName } from '../../ml/explore/toy-data';
import { TOY_KINDS, TOY_PRIORS, isToyKind, type ToyModelOptions, type ToyPrior } from '../../ml/explore/toy-models';
import { numberArg, parseCommandArgs, requireString } from '../args';
import { setupBackend } from '../backend-setup';

const HELP = `Usage:
  denoise-studio explore --kind KIND --data SET --out PLOT.png [options]     the 2-D lab
  denoise-studio explore --model MODEL_DIR --view VIEW --out PLOT.png [options]  an image model

The 2-D lab trains a small dense model of KIND on a toy data set and draws what it learns.
  --kind KIND        ${TOY_KINDS.join(', ')}
  --data SET         ${TOY_DATASETS.join(', ')}
  --view VIEW        ${LAB_VIEWS.join(', ')}, or all (default: all that apply)
  --versus KIND      train a second kind on the same data and seed; one row per kind
  --count N          points in the data set (default 1000)
  --data-noise S     noise of the data set (default 0.03)
  --steps N          training steps (default 1500)
  --seed S           seed of the data, the weights and the batches (default 0)
  --latent K         code size (default 2; linear 1, dae 8, sparse 16)
  --hidden H         hidden units per layer (default 32; dae 64)
  --noise S          dae: corruption standard deviation (default 0.1)
  --samples L        dae: corruption samples per clean point, averaged (default 1)
  --lambda W         cae/sparse: penalty weight; vae: beta; aae: generator weight
  --prior P          aae: ${TOY_PRIORS.join(' or ')} (default gaussian)
  --size PX          pixels per plot (default 360)

Image models (a trained model folder):
  --view latent      codes of --images (PCA of the codes when wider than 2), thumbnails
  --view traversal   decoded strips along the first latent directions (generative kinds)
  --view tangents    cae: the top singular vectors of the encoder Jacobian at --image
  --view subspace    linear: the learned subspace next to PCA's, with the principal angles
  --view noise-map   a denoiser: input minus output for --image with --sigma noise added

Writes PNG (or SVG when the name ends in .svg). --backend NAME picks the compute backend.
`;

export async function runExplore(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    kind: { type: 'string' },
    data: { type: 'string' },
    view: { type: 'string' },
    versus: { type: 'string' },
    count: { type: 'string' },
    'data-noise': { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    latent: { type: 'string' },
    hidden: { type: 'string' },
    noise: { type: 'string' },
    samples: { type: 'string' },
    lambda: { type: 'string' },
    prior: { type: 'string' },
    size: { type: 'string' },
    model: { type: 'string' },
    images: { type: 'string' },
    image: { type: 'string' },
    sigma: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const out = resolve(requireString(values.out, '--out'));
  if (values.model !== undefined) {
    const { runImageView } = await import('../../ml/explore/image-views');
    const view = requireString(values.view, '--view');
    const backend = await setupBackend(values.backend, true);
    const result = await runImageView({
      modelDir: values.model,
      view,
      ...(values.images !== undefined ? { imagesDir: values.images } : {}),
      ...(values.image !== undefined ? { image: values.image } : {}),
      sigma: numberArg(values.sigma, '--sigma', { min: 0, max: 255 }) ?? 25,
      seed: numberArg(values.seed, '--seed', LAB_LIMITS.seed) ?? 0,
    });
    await writePlot(result.svg, out);
    console.log(JSON.stringify({ view, out, backend: backend.active, ...result.summary }));
    return 0;
  }

  const kind = requireString(values.kind, '--kind');
  if (!isToyKind(kind)) throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown --kind "${kind}" for the 2-D lab; choose ${TOY_KINDS.join(', ')}`);
  const data = requireString(values.data, '--data');
  if (!isToyDatasetName(data)) throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown --data "${data}"; choose ${TOY_DATASETS.join(', ')}`);
  const versus = values.versus;
  if (versus !== undefined && !isToyKind(versus)) throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown --versus "${versus}"; choose ${TOY_KINDS.join(', ')}`);
  let views: LabView[] | undefined;
  if (values.view !== undefined && values.view !== 'all') {
    views = values.view.split(',').map((v) => {
      if (!(LAB_VIEWS as readonly string[]).includes(v)) throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown --view "${v}"; choose ${LAB_VIEWS.join(', ')} or all`);
      return v as LabView;
    });
  }
  if (values.prior !== undefined && !(TOY_PRIORS as readonly string[]).includes(values.prior)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown --prior "${values.prior}"; choose ${TOY_PRIORS.join(', ')}`);
  }
  const model: Omit<ToyModelOptions, 'kind' | 'seed'> = {};
  const latent = numberArg(values.latent, '--latent', { min: 1, max: 64, integer: true });
  const hidden = numberArg(values.hidden, '--hidden', { min: 4, max: 512, integer: true });
  const noise = numberArg(values.noise, '--noise', { min: 0, max: 2 });
  const samples = numberArg(values.samples, '--samples', { min: 1, max: 64, integer: true });
  const lambda = numberArg(values.lambda, '--lambda', { min: 0, max: 1e4 });
  if (latent !== undefined) model.latent = latent;
  if (hidden !== undefined) model.hidden = hidden;
  if (noise !== undefined) model.noise = noise;
  if (samples !== undefined) model.samples = samples;
  if (lambda !== undefined) model.lambda = lambda;
  if (values.prior !== undefined) model.prior = values.prior as ToyPrior;
  const settings: LabSettings = {
    kind,
    data,
    count: numberArg(values.count, '--count', LAB_LIMITS.count) ?? 1000,
    dataNoise: numberArg(values['data-noise'], '--data-noise', LAB_LIMITS.dataNoise) ?? 0.03,
    seed: numberArg(values.seed, '--seed', LAB_LIMITS.seed) ?? 0,
    steps: numberArg(values.steps, '--steps', LAB_LIMITS.steps) ?? 1500,
    size: numberArg(values.size, '--size', LAB_LIMITS.size) ?? 360,
    model,
    ...(views ? { views } : {}),
  };
  // The toy nets are tiny: the CPU backend beats a GPU's launch overhead, so pick it unless told.
  const backend = await setupBackend(values.backend ?? 'cpu', false);
  const started = performance.now();
  if (versus !== undefined) {
    const pair = await runLabPair(settings, versus);
    await writePlot(pair.svg, out);
    console.log(JSON.stringify({ out, kinds: [kind, versus], data, steps: pair.left.steps, parts: { [kind]: pair.left.parts, [versus]: pair.right.parts }, backend: backend.active, seconds: (performance.now() - started) / 1000 }));
    return 0;
  }
  const result = await runLab(settings);
  await writePlot(result.svg, out);
  console.log(JSON.stringify({ out, kind, data, steps: result.steps, views: result.views.map((v) => v.view), parts: result.parts, backend: backend.active, seconds: (performance.now() - started) / 1000 }));
  return 0;
}
