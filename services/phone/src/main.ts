import {
  loadConfig,
  startService,
  stopOnSignals,
  twilioCredentialsCheck,
  verifyServiceCheck,
} from '@attestor/platform';
import { phoneConfigShape } from './config.js';
import { phoneService } from './service.js';

const config = loadConfig(phoneConfigShape, process.env, [twilioCredentialsCheck, verifyServiceCheck]);
const service = await startService(phoneService, config);
stopOnSignals(service.stop, service.deps.logger);
