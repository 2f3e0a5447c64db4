import { assertOneHandlerEach, JobRegistryError } from './job-dispatcher';
import { JobName } from './queue.constants';

describe('job handler registry', () => {
  const all = () => new Map(Object.values(JobName).map((name) => [name, [`H.${name}`]]));

  it('accepts exactly one handler per job name', () => {
    expect(() => assertOneHandlerEach(all())).not.toThrow();
  });

  it('refuses to start when a job name has no handler', () => {
    const found = all();
    found.delete(JobName.ProcessInbound);
    expect(() => assertOneHandlerEach(found)).toThrow(JobRegistryError);
    expect(() => assertOneHandlerEach(found)).toThrow(`job "${JobName.ProcessInbound}" has no handler`);
  });

  it('refuses to start when a job name has two handlers', () => {
    const found = all();
    found.set(JobName.ProcessInbound, ['A.handle', 'B.handle']);
    expect(() => assertOneHandlerEach(found)).toThrow(/has 2 handlers \(A\.handle, B\.handle\)/);
  });
});
