import { loadConfig, startService, stopOnSignals } from '@attestor/platform';
import { inquiryConfigShape, resolveInquiryConfig } from './config.js';
import { inquiryService } from './service.js';

const config = resolveInquiryConfig(loadConfig(inquiryConfigShape));
const service = await startService(inquiryService, config);
stopOnSignals(service.stop, service.deps.logger);
