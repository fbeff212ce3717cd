import { loadConfig, startService, stopOnSignals, twilioCredentialsCheck } from '@attestor/platform';
import { identityConfigShape } from './config.js';
import { identityService } from './service.js';

const config = loadConfig(identityConfigShape, process.env, [twilioCredentialsCheck]);
const service = await startService(identityService, config);
stopOnSignals(service.stop, service.deps.logger);
