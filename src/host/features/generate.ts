import type { Handlers, HostContext } from '../host-context';

type GenerateHandlers = Pick<Handlers, 'generate:samples' | 'generate:interpolate'>;

/** New images from a generative model (VAE): prior samples, and a latent path between two images. */
export function setupGenerate(ctx: HostContext): GenerateHandlers {
  const { engine, guard, media, settings } = ctx;
  const checkModel = (dir: string): Promise<string> => guard.checkWithin(dir, [settings.get().modelsDir], 'Model');
  return {
    'generate:samples': async ({ modelDir, count, seed, temperature }) => {
      const images = await engine.request('generate', { modelDir: await checkModel(modelDir), count, seed, temperature });
      return { images: images.map((im) => media.addBlob(im)) };
    },
    'generate:interpolate': async ({ modelDir, a, b, steps }) => {
      const images = await engine.request('interpolate', { modelDir: await checkModel(modelDir), a: await guard.check(a, 'Image'), b: await guard.check(b, 'Image'), steps });
      return { images: images.map((im) => media.addBlob(im)) };
    },
  };
}
