import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Log } from './domain/ports';

/**
 * Powertools Logger behind our Log port: JSON lines with the service name, the Lambda context and the
 * keys appended for the event being handled (its request id). An Error in `fields` keeps its name,
 * stack and cause (Powertools formats it). One Lambda container handles one event at a time, so keys
 * appended by one invocation are dropped by startInvocation before the next.
 */
export function createLogger(): Log {
  const logger = new Logger({ serviceName: 'codebuild-access' });
  return {
    info: (message, fields) => (fields ? logger.info(message, fields) : logger.info(message)),
    warn: (message, fields) => (fields ? logger.warn(message, fields) : logger.warn(message)),
    error: (message, fields) => (fields ? logger.error(message, fields) : logger.error(message)),
    startInvocation: (context) => {
      logger.resetKeys();
      // Powertools reads only the fields InvocationContext names.
      if (context) logger.addContext(context as unknown as Context);
    },
    appendKeys: (keys) => logger.appendKeys(keys),
  };
}
