import { loadConfig, startService, stopOnSignals } from '@attestor/platform';
import { identityConfigShape } from './config.js';
import { identityService } from './service.js';

const config = loadConfig(identityConfigShape);
const service = await startService(identityService, config);
stopOnSignals(service.stop, service.deps.logger);
