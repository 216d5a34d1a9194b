import { resolve } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { defaultModelsRoot, deleteModel, listModels, readModelMeta } from '../../ml/store/model-files';
import type { ModelMeta } from '../../ml/store/model-meta';
import { parseCommandArgs } from '../args';

const HELP = `Usage: denoise-studio models [list] [--dir ROOT] [--json]
       denoise-studio models show MODEL_DIR [--json]
       denoise-studio models delete MODEL_DIR

The library folder is ~/.denoise-studio/models (or $DENOISE_STUDIO_HOME/models).
`;

function describe(meta: ModelMeta): string {
  const val = meta.metrics['val_psnr'];
  const t = meta.training;
  return [
    `${meta.name}  kind=${meta.spec.kind} ${meta.spec.channels === 1 ? 'gray' : 'rgb'} ${Object.entries(meta.spec.options).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`,
    t ? `  trained on ${t.dataset.trainImages} images, noise ${t.noise}, ${t.steps} steps (${t.epochs.toFixed(1)} epochs), ${Math.round(t.elapsedMs / 1000)} s, ${t.stopReason}` : '  untrained',
    `  ${val === undefined ? 'no validation score' : `validation PSNR ${val.toFixed(2)} dB`}; backend ${meta.backend}; engine ${meta.engineVersion}; saved ${meta.updatedAt}`,
  ].join('\n');
}

export async function runModels(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { help: { type: 'boolean', short: 'h' }, dir: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [action = 'list', target, ...extra] = positionals;
  if (extra.length > 0) throw new DenoiseError('E_INVALID_ARGUMENT', `Unexpected arguments: ${extra.join(' ')}`);
  switch (action) {
    case 'list': {
      const root = resolve(values.dir ?? defaultModelsRoot());
      const models = await listModels(root);
      if (values.json) {
        console.log(JSON.stringify({ root, models }));
        return 0;
      }
      if (models.length === 0) console.log(`No models in ${root}`);
      for (const m of models) console.log(m.meta ? `${m.dir}\n${describe(m.meta)}` : `${m.dir}\n  damaged: ${m.error?.message ?? ''}`);
      return 0;
    }
    case 'show': {
      if (!target) throw new DenoiseError('E_INVALID_ARGUMENT', 'models show needs a MODEL_DIR');
      const meta = await readModelMeta(target);
      console.log(values.json ? JSON.stringify(meta, null, 2) : describe(meta));
      return 0;
    }
    case 'delete': {
      if (!target) throw new DenoiseError('E_INVALID_ARGUMENT', 'models delete needs a MODEL_DIR');
      await deleteModel(target);
      console.log(`Deleted ${resolve(target)}`);
      return 0;
    }
    default:
      throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown models action "${action}"; use list, show or delete`);
  }
}
