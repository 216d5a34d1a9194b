import { toErrorInfo } from '../../shared/errors';
import type { Handlers, HostContext } from '../host-context';
import { newJobId } from '../host-context';

type ExploreHandlers = Pick<Handlers, 'explore:lab' | 'explore:model'>;

/**
 * The Explore view. The 2-D lab: toy data made in the engine, so no file is touched and no grant
 * is needed. Answers at once with a job id; frames arrive as `job` events of type `explore`
 * (a redraw every `frameEvery` steps), then `done` with the last frame.
 */
export function setupExplore(ctx: HostContext): ExploreHandlers {
  return {
    'explore:lab': async (request) => {
      const jobId = newJobId();
      ctx.jobEvents.set(jobId, (id, event) => {
        if (event.kind === 'explore') ctx.emit('job', { jobId: id, type: 'explore', frame: event.frame });
      });
      ctx.engine
        .request('exploreLab', { jobId, request })
        .then(
          (frame) => ctx.emit('job', { jobId, type: 'done', result: { kind: 'explore', frame } }),
          (err: unknown) => ctx.emit('job', { jobId, type: 'failed', error: toErrorInfo(err) }),
        )
        .finally(() => ctx.jobEvents.delete(jobId));
      return { jobId };
    },
    // A model from the models folder, and images only from granted folders, as everywhere else.
    'explore:model': async ({ modelDir, view, images, image, sigma, seed }) => {
      const { engine, guard, media, settings } = ctx;
      const dir = await guard.checkWithin(modelDir, [settings.get().modelsDir], 'Model');
      const result = await engine.request('exploreModel', {
        modelDir: dir,
        view,
        images: images === null ? null : await guard.check(images, 'Image folder'),
        image: image === null ? null : await guard.check(image, 'Image'),
        sigma,
        seed,
      });
      return { image: media.addBlob(result.image), summary: result.summary };
    },
  };
}
