import { startService, stopOnSignals } from '@attestor/platform';
import { loadFraudConfig } from './config.js';
import { fraudService } from './service.js';

const config = loadFraudConfig();
const service = await startService(fraudService, config);
stopOnSignals(service.stop, service.deps.logger);
