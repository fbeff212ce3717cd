import { loadConfig, startService, stopOnSignals, twilioCredentialsCheck } from '@attestor/platform';
import { phoneConfigShape } from './config.js';
import { phoneService } from './service.js';

const config = loadConfig(phoneConfigShape, process.env, [twilioCredentialsCheck]);
const service = await startService(phoneService, config);
stopOnSignals(service.stop, service.deps.logger);
