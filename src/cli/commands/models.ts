import { resolve } from 'node:path';
import type { ModelInfo } from '../../shared/contract';
import { DenoiseError } from '../../shared/errors';
import { deleteModel, describeModel, exportModel, importModel, listLibrary, renameModel } from '../../ml/jobs/models';
import { defaultModelsRoot, readModelMeta } from '../../ml/store/model-files';
import { parseCommandArgs } from '../args';
import { setupBackend } from '../backend-setup';

const HELP = `Usage: denoise-studio models [list] [--dir ROOT] [--json]
       denoise-studio models show MODEL_DIR [--json]
       denoise-studio models rename MODEL_DIR NEW_NAME
       denoise-studio models delete MODEL_DIR
       denoise-studio models import MODEL_DIR [--dir ROOT]     copy a model into the library
       denoise-studio models export MODEL_DIR DEST_FOLDER      copy a model (without checkpoints) out

The library folder is ~/.denoise-studio/models (or $DENOISE_STUDIO_HOME/models). Runs that saved
checkpoints but no model (stopped or killed) are listed as continuable:
denoise-studio train --continue --out DIR.
`;

function describe(m: ModelInfo): string {
  const val = m.metrics['val_psnr'];
  const t = m.training;
  return [
    `${m.name}  kind=${m.kind} ${m.channels === 1 ? 'gray' : 'rgb'} ${Object.entries(m.options).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`,
    t ? `  trained on ${t.trainImages} images, noise ${t.noise}, ${t.steps} steps (${t.epochs.toFixed(1)} epochs), ${Math.round(t.elapsedMs / 1000)} s, ${t.stopReason}` : '  untrained',
    ...(t?.initFrom ? [`  fine-tuned from ${t.initFrom.name} (${t.initFrom.steps} steps before)`] : []),
    `  ${val === undefined ? 'no validation score' : `validation PSNR ${val.toFixed(2)} dB`}; backend ${m.backend}; saved ${m.updatedAt}`,
  ].join('\n');
}

function needs(value: string | undefined, what: string): string {
  if (!value) throw new DenoiseError('E_INVALID_ARGUMENT', `models needs ${what}`);
  return value;
}

export async function runModels(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { help: { type: 'boolean', short: 'h' }, dir: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [action = 'list', target, second, ...extra] = positionals;
  if (extra.length > 0) throw new DenoiseError('E_INVALID_ARGUMENT', `Unexpected arguments: ${extra.join(' ')}`);
  const root = resolve(values.dir ?? defaultModelsRoot());
  switch (action) {
    case 'list': {
      const library = await listLibrary(root);
      if (values.json) {
        console.log(JSON.stringify({ root, ...library }));
        return 0;
      }
      if (library.models.length + library.runs.length + library.broken.length === 0) console.log(`No models in ${root}`);
      for (const m of library.models) console.log(`${m.dir}\n${describe(m)}`);
      for (const r of library.runs) console.log(`${r.dir}\n  ${r.kind} run stopped at step ${r.step} (saved ${r.savedAt}); continue with: denoise-studio train --continue --out ${r.dir}`);
      for (const b of library.broken) console.log(`${b.dir}\n  damaged: ${b.error.message} [${b.error.code}]`);
      return 0;
    }
    case 'show': {
      const dir = resolve(needs(target, 'a MODEL_DIR'));
      const meta = await readModelMeta(dir);
      console.log(values.json ? JSON.stringify(meta, null, 2) : describe(await describeModel(dir, meta)));
      return 0;
    }
    case 'rename': {
      const renamed = await renameModel(needs(target, 'a MODEL_DIR'), needs(second, 'a NEW_NAME'));
      console.log(`Renamed to ${renamed.dir}`);
      return 0;
    }
    case 'delete': {
      await deleteModel(needs(target, 'a MODEL_DIR'));
      console.log(`Deleted ${resolve(target as string)}`);
      return 0;
    }
    case 'import': {
      // The weights are read back whole (on the engine's backend) before anything is copied.
      await setupBackend(undefined, false);
      const imported = await importModel(needs(target, 'a MODEL_DIR'), root);
      console.log(`Imported as ${imported.dir}`);
      return 0;
    }
    case 'export': {
      console.log(`Exported to ${await exportModel(needs(target, 'a MODEL_DIR'), resolve(needs(second, 'a DEST_FOLDER')))}`);
      return 0;
    }
    default:
      throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown models action "${action}"; use list, show, rename, delete, import or export`);
  }
}
