import { toErrorInfo } from '../../shared/errors';
import type { Handlers, HostContext } from '../host-context';
import { newJobId } from '../host-context';

type ExploreHandlers = Pick<Handlers, 'explore:lab'>;

/**
 * The Explore view's 2-D lab: toy data made in the engine, so no file is touched and no grant
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
  };
}
