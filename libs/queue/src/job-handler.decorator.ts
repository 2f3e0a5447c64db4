import { SetMetadata } from '@nestjs/common';
import type { JobName } from './queue.constants';

export const JOB_HANDLER_METADATA = 'intake:job-handler';

/** Marks a provider method as the one handler of a job name (see JobDispatcher). */
export const JobHandler = (name: JobName): MethodDecorator => SetMetadata(JOB_HANDLER_METADATA, name);
