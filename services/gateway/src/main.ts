import { loadConfig, stopOnSignals } from '@attestor/platform';
import { gatewayConfigShape } from './config.js';
import { startGateway } from './gateway.js';

const config = loadConfig(gatewayConfigShape);
const gateway = await startGateway(config);
stopOnSignals(() => gateway.stop());
